//! `capstan`: serves the portal.

use clap::Parser;
use server::config::Config;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = Config::parse();
    if let Err(error) = server::telemetry::init(config.log_format, &config.log_filter) {
        eprintln!("capstan: {error:#}");
        return std::process::ExitCode::FAILURE;
    }
    match server::run(config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("capstan cannot continue: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
