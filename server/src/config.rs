//! The server's configuration: one typed struct from flags and environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, ValueEnum};

/// Who may create an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Signup {
    Open,
    Invitation,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Capstan, the web portal for managed Kubernetes.
#[derive(Clone, Parser)]
#[command(name = "capstan", version, about)]
pub struct Config {
    /// Address and port to serve the portal on.
    #[arg(long, env = "CAPSTAN_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,

    /// Directory for the portal's data (the SQLite database and generated keys).
    #[arg(long, env = "CAPSTAN_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// The catalog of blueprints and add-ons: a folder with one sub-folder per entry. Every
    /// entry is checked at start; a malformed one stops the start, named with the reason.
    #[arg(long, env = "CAPSTAN_CATALOG_DIR", default_value = "./catalog")]
    pub catalog_dir: PathBuf,

    /// Database URL: `sqlite://PATH` or `postgres://USER@HOST/DB`.
    /// Default: the SQLite file `capstan.db` in the data directory.
    #[arg(long, env = "CAPSTAN_DATABASE_URL")]
    pub database_url: Option<String>,

    /// Largest number of database connections.
    #[arg(long, env = "CAPSTAN_DATABASE_MAX_CONNECTIONS", default_value_t = 10)]
    pub database_max_connections: u32,

    /// The address people use to reach the portal (scheme, host, port). State-changing
    /// requests must come from pages of this origin; cookies are `Secure` when it is https.
    /// Default: http:// and the listen address.
    #[arg(long, env = "CAPSTAN_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Who may create an account after the first one: `invitation` (only with an invitation
    /// link) or `open` (anyone, with an organization of their own).
    #[arg(long, env = "CAPSTAN_SIGNUP", value_enum, default_value = "invitation")]
    pub signup: Signup,

    /// Key sealing secrets at rest: 32 bytes in base64. Default: generated on first start into
    /// `secret.key` in the data directory (owner-only permissions).
    #[arg(long, env = "CAPSTAN_SECRET_KEY", conflicts_with = "secret_key_file")]
    pub secret_key: Option<String>,

    /// A file holding that key (base64), so that it does not show in the process list or the
    /// environment; it must be readable by the portal's user only.
    #[arg(long, env = "CAPSTAN_SECRET_KEY_FILE")]
    pub secret_key_file: Option<PathBuf>,

    /// A session unused this many minutes ends.
    #[arg(long, env = "CAPSTAN_SESSION_IDLE_MINUTES", default_value_t = 12 * 60)]
    pub session_idle_minutes: u32,

    /// A session ends this many days after sign-in.
    #[arg(long, env = "CAPSTAN_SESSION_MAX_DAYS", default_value_t = 7)]
    pub session_max_days: u32,

    /// Endpoint template of Exoscale's API, with `{zone}` (organizations that bring an API key
    /// are checked and served there).
    #[arg(long, env = "CAPSTAN_EXOSCALE_ENDPOINT", default_value = sks_api::client::EXOSCALE_ENDPOINT)]
    pub exoscale_endpoint: String,

    /// Longest wait (milliseconds) for one answer of the orchestration API. Reads are tried up
    /// to four times, so a hanging API gets a page its error after about four times this
    /// (plus short pauses); a page never waits on it for minutes.
    #[arg(long, env = "CAPSTAN_ORCHESTRATION_TIMEOUT_MS", default_value_t = 4_000, value_parser = clap::value_parser!(u64).range(100..))]
    pub orchestration_timeout_ms: u64,

    /// Longest time (milliseconds) any request but a live stream may take to answer. A request
    /// still waiting then (on the database, the orchestration API, anything) is answered 503
    /// with what did not answer, so a browser is never left waiting without an end.
    #[arg(long, env = "CAPSTAN_REQUEST_TIMEOUT_MS", default_value_t = 30_000, value_parser = clap::value_parser!(u64).range(100..))]
    pub request_timeout_ms: u64,

    /// Requests (other than live streams) served at once; more wait for a turn within their
    /// time bound, and get 503 if none comes.
    #[arg(long, env = "CAPSTAN_MAX_CONCURRENT_REQUESTS", default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_concurrent_requests: u64,

    /// Resources the live pages watch at once, all organizations together (each watcher polls
    /// the orchestration API); a page asking for one more gets 503 and shows what it loaded.
    #[arg(long, env = "CAPSTAN_LIVE_MAX_WATCHERS", default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub live_max_watchers: u64,

    /// Speed of the embedded local orchestrator's simulation (50: fifty times faster).
    #[arg(long, env = "CAPSTAN_ORCHESTRATOR_SPEED", default_value_t = 1.0)]
    pub orchestrator_speed: f64,

    /// Share of instance boots the embedded orchestrator makes fail (0 to 1).
    #[arg(long, env = "CAPSTAN_ORCHESTRATOR_FAIL_RATE", default_value_t = 0.0)]
    pub orchestrator_fail_rate: f64,

    /// How often (milliseconds) the live pages' watchers poll the orchestration API while a
    /// watched cluster is in transition.
    #[arg(long, env = "CAPSTAN_LIVE_FAST_POLL_MS", default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(50..))]
    pub live_fast_poll_ms: u64,

    /// How often (milliseconds) they poll while everything watched is stable.
    #[arg(long, env = "CAPSTAN_LIVE_SLOW_POLL_MS", default_value_t = 15_000, value_parser = clap::value_parser!(u64).range(50..))]
    pub live_slow_poll_ms: u64,

    /// How often (milliseconds) an open live stream checks again that its session lives and
    /// its person is still a member (signing out, a new password and removal end streams at
    /// once on this replica; this bounds it elsewhere, and session expiry is checked at its
    /// own time).
    #[arg(long, env = "CAPSTAN_LIVE_RECHECK_MS", default_value_t = 30_000, value_parser = clap::value_parser!(u64).range(100..))]
    pub live_recheck_ms: u64,

    /// Reverse proxies (addresses or networks, comma-separated: `10.0.0.0/8,192.0.2.1`) whose
    /// `X-Forwarded-For` names the client (for throttling and the activity log). Without it,
    /// the client is the connection's address.
    #[arg(long, env = "CAPSTAN_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<portal::auth::Cidr>,

    /// Serve `/metrics` on this address instead of the portal's (e.g. an internal interface:
    /// the metrics need no session).
    #[arg(long, env = "CAPSTAN_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,

    /// Log format.
    #[arg(long, env = "CAPSTAN_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,

    /// Which log lines to keep, as a `tracing` filter (e.g. `info`, `capstan=debug`).
    #[arg(long, env = "CAPSTAN_LOG", default_value = "info")]
    pub log_filter: String,
}

impl Config {
    /// The public URL: the one given, or http:// and the listen address.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.listen),
        }
    }

    /// How long to wait for one answer of the orchestration API.
    pub fn orchestration_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.orchestration_timeout_ms)
    }

    /// How long any request but a live stream may take to answer.
    pub fn request_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.request_timeout_ms)
    }

    /// The key that seals secrets, from `--secret-key` or `--secret-key-file`; `None` for the
    /// key file in the data directory. A key file others may read is refused.
    pub fn secret_key(&self) -> anyhow::Result<Option<String>> {
        let Some(path) = &self.secret_key_file else {
            return Ok(self.secret_key.clone());
        };
        let shown = path.display();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(path)
                .map_err(|e| anyhow::anyhow!("--secret-key-file {shown}: {e}"))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                anyhow::bail!(
                    "--secret-key-file {shown} is readable by others (mode {:o}); \
                     make it the portal user's alone (chmod 600) and rotate the key",
                    mode & 0o777
                );
            }
        }
        let key = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("--secret-key-file {shown}: {e}"))?;
        Ok(Some(key.trim().to_owned()))
    }

    /// The database URL to use: the one given, or the SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("capstan.db").display()),
        }
    }
}

impl std::fmt::Debug for Config {
    /// Like a derived `Debug`, but the database URL's password is never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("catalog_dir", &self.catalog_dir)
            .field("database_url", &redact_url(&self.database_url()))
            .field("database_max_connections", &self.database_max_connections)
            .field("public_url", &self.public_url())
            .field("signup", &self.signup)
            .field("secret_key", &self.secret_key.as_ref().map(|_| "***"))
            .field("secret_key_file", &self.secret_key_file)
            .field("session_idle_minutes", &self.session_idle_minutes)
            .field("session_max_days", &self.session_max_days)
            .field("exoscale_endpoint", &self.exoscale_endpoint)
            .field("orchestration_timeout_ms", &self.orchestration_timeout_ms)
            .field("orchestrator_speed", &self.orchestrator_speed)
            .field("orchestrator_fail_rate", &self.orchestrator_fail_rate)
            .field("live_fast_poll_ms", &self.live_fast_poll_ms)
            .field("live_slow_poll_ms", &self.live_slow_poll_ms)
            .field("live_recheck_ms", &self.live_recheck_ms)
            .field("live_max_watchers", &self.live_max_watchers)
            .field("max_concurrent_requests", &self.max_concurrent_requests)
            .field("metrics_listen", &self.metrics_listen)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("log_format", &self.log_format)
            .field("log_filter", &self.log_filter)
            .finish()
    }
}

/// Replaces the password of `scheme://user:password@host…` with `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{path}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Config {
        Config::try_parse_from(std::iter::once("capstan").chain(args.iter().copied())).unwrap()
    }

    #[test]
    fn defaults_serve_locally_with_sqlite_in_data() {
        let config = parse(&[]);
        assert_eq!(config.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(config.database_url(), "sqlite://./data/capstan.db");
        assert_eq!(config.log_format, LogFormat::Text);
        assert_eq!(
            config.orchestration_timeout(),
            std::time::Duration::from_secs(4)
        );
        assert_eq!(config.signup, Signup::Invitation, "invitations only");
    }

    #[test]
    fn the_key_comes_from_the_flag_or_a_file_not_both() {
        assert!(
            Config::try_parse_from(["capstan", "--secret-key", "a2V5", "--secret-key-file", "/k"])
                .is_err()
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("key");
        std::fs::write(&file, "a2V5\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let config = parse(&["--secret-key-file", file.to_str().unwrap()]);
        assert_eq!(config.secret_key().unwrap().as_deref(), Some("a2V5"));
        assert!(!format!("{config:?}").contains("a2V5"));
    }

    #[test]
    fn flags_override_defaults() {
        let config = parse(&[
            "--listen",
            "0.0.0.0:8080",
            "--data-dir",
            "/var/lib/capstan",
            "--log-format",
            "json",
            "--orchestration-timeout-ms",
            "1500",
            "--request-timeout-ms",
            "9000",
        ]);
        assert_eq!(config.listen.port(), 8080);
        assert_eq!(config.request_timeout(), std::time::Duration::from_secs(9));
        assert_eq!(
            config.orchestration_timeout(),
            std::time::Duration::from_millis(1500)
        );
        assert_eq!(
            config.database_url(),
            "sqlite:///var/lib/capstan/capstan.db"
        );
        assert_eq!(config.log_format, LogFormat::Json);
    }

    #[test]
    fn bad_values_are_refused_with_the_flag_named() {
        let error = Config::try_parse_from(["capstan", "--listen", "localhost"])
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("--listen"), "{error}");
        let error = Config::try_parse_from(["capstan", "--log-format", "xml"])
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("--log-format"), "{error}");
        let error = Config::try_parse_from(["capstan", "--orchestration-timeout-ms", "5"])
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("--orchestration-timeout-ms"), "{error}");
        let error = Config::try_parse_from(["capstan", "--request-timeout-ms", "0"])
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("--request-timeout-ms"), "{error}");
    }

    #[test]
    fn the_public_url_defaults_to_the_listen_address() {
        assert_eq!(
            parse(&["--listen", "127.0.0.1:8080"]).public_url(),
            "http://127.0.0.1:8080"
        );
        let config = parse(&["--public-url", "https://portal.example.com/"]);
        assert_eq!(config.public_url(), "https://portal.example.com");
    }

    #[test]
    fn debug_output_hides_the_secret_key() {
        let shown = format!("{:?}", parse(&["--secret-key", "c2VjcmV0LWtleQ=="]));
        assert!(!shown.contains("c2VjcmV0LWtleQ=="), "{shown}");
    }

    #[test]
    fn debug_output_hides_the_database_password() {
        let config = parse(&[
            "--database-url",
            "postgres://capstan:s3cret@db:5432/capstan",
        ]);
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(
            shown.contains("postgres://capstan:***@db:5432/capstan"),
            "{shown}"
        );
    }

    #[test]
    fn redaction_leaves_urls_without_password_alone() {
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("sqlite://./data/x.db"), "sqlite://./data/x.db");
        assert_eq!(redact_url("postgres://u:p@h/d@b"), "postgres://u:***@h/d@b");
    }
}
