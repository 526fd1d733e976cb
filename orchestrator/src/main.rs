//! `orchestrator`: runs the local orchestration API, or manages its keys.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use orchestrator::{Options, Orchestrator};

/// The local orchestration API (Exoscale API v2, SKS subset) with a simulated provider.
#[derive(Parser)]
#[command(name = "orchestrator", version, about)]
struct Cli {
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB.
    #[arg(
        long,
        global = true,
        env = "ORCHESTRATOR_DATABASE_URL",
        default_value = "sqlite://./data/orchestrator.db"
    )]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API.
    Serve {
        /// Address and port to listen on.
        #[arg(long, env = "ORCHESTRATOR_LISTEN", default_value = "127.0.0.1:8081")]
        listen: SocketAddr,
        /// Divides every simulated duration (50: fifty times faster).
        #[arg(long, env = "ORCHESTRATOR_SPEED", default_value_t = 1.0)]
        speed: f64,
        /// Share of instance boots that fail (0 to 1); the reconciler replaces them.
        #[arg(long, env = "ORCHESTRATOR_FAIL_RATE", default_value_t = 0.0)]
        fail_rate: f64,
    },
    /// Manage API keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Create a key for an organization (created if missing) and print it with its secret.
    Create {
        #[arg(long, default_value = "default")]
        org: String,
    },
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Some(dir) = cli
        .database_url
        .strip_prefix("sqlite://")
        .and_then(|path| std::path::Path::new(path).parent())
        .filter(|dir| !dir.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir)?;
    }
    match cli.command {
        Command::Serve {
            listen,
            speed,
            fail_rate,
        } => {
            if !speed.is_finite() || speed <= 0.0 {
                anyhow::bail!("--speed must be above 0, not {speed}");
            }
            if !(0.0..=1.0).contains(&fail_rate) {
                anyhow::bail!("--fail-rate must be between 0 and 1, not {fail_rate}");
            }
            let options = Options {
                speed,
                fail_rate,
                ..Options::new(&cli.database_url)
            };
            let orchestrator = Orchestrator::open(&options).await?;
            if let (Ok(key), Ok(secret)) = (
                std::env::var("ORCHESTRATOR_API_KEY"),
                std::env::var("ORCHESTRATOR_API_SECRET"),
            ) {
                orchestrator.ensure_key("default", &key, &secret).await?;
                tracing::info!(%key, "API key ready for organization default");
            }
            let listener = tokio::net::TcpListener::bind(listen).await?;
            tracing::info!(address = %listener.local_addr()?, speed, fail_rate, "serving the orchestration API");
            orchestrator
                .serve(listener, async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await
        }
        Command::Keys {
            command: KeysCommand::Create { org },
        } => {
            let orchestrator = Orchestrator::open(&Options::new(&cli.database_url)).await?;
            let key = orchestrator.create_key(&org).await?;
            println!("ORCHESTRATOR_API_KEY={}", key.key);
            println!("ORCHESTRATOR_API_SECRET={}", key.secret);
            Ok(())
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ORCHESTRATOR_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("orchestrator: {error:#}");
            ExitCode::FAILURE
        }
    }
}
