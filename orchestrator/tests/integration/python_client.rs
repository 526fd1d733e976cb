//! Exoscale's official Python client (PyPI `exoscale`, pinned), unmodified, runs a whole
//! lifecycle against the orchestrator; every response body the orchestrator sends meanwhile
//! must validate against the contract's schemas.
//!
//! The client lives in a virtual environment this test creates under `target/`. Without
//! Python or PyPI the test is skipped with a line saying so, except under CI (`CI=true`).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use orchestrator::{Options, Orchestrator};

/// The pinned client version (the contract was cut from its `openapi.json`).
const EXOSCALE_PYPI: &str = "exoscale==0.16.4";

fn skip_or_fail(reason: &str) {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("the Python client test must run under CI: {reason}");
    }
    let _ = writeln!(std::io::stderr(), "SKIPPED: Python client test ({reason})");
}

/// The venv's python, with the pinned client installed (created once).
fn python() -> Result<PathBuf, String> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let venv = target.join("exoscale-venv");
    let python = venv.join("bin/python");
    let installed = |python: &Path| {
        Command::new(python)
            .args([
                "-c",
                "import importlib.metadata as m; assert m.version('exoscale') == '0.16.4'",
            ])
            .status()
            .is_ok_and(|s| s.success())
    };
    if python.exists() && installed(&python) {
        return Ok(python);
    }
    let created = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .map_err(|e| format!("python3 is not available: {e}"))?;
    if !created.success() {
        return Err("python3 -m venv failed".into());
    }
    let pip = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            EXOSCALE_PYPI,
        ])
        .status()
        .map_err(|e| format!("pip: {e}"))?;
    if !pip.success() || !installed(&python) {
        return Err(format!("pip install {EXOSCALE_PYPI} failed"));
    }
    Ok(python)
}

/// What the API answered: operation id, status and body.
type Recorded = Arc<Mutex<Vec<(String, String, u16, Vec<u8>)>>>;

async fn record(recorded: Recorded, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    recorded
        .lock()
        .unwrap()
        .push((method, path, parts.status.as_u16(), bytes.to_vec()));
    Response::from_parts(parts, Body::from(bytes))
}

#[tokio::test]
async fn exoscales_python_client_runs_a_whole_lifecycle() {
    let python = match python() {
        Ok(python) => python,
        Err(reason) => return skip_or_fail(&reason),
    };
    let dir = tempfile::tempdir().unwrap();
    let options = Options {
        speed: 400.0,
        tick: Duration::from_millis(20),
        ..Options::new(format!(
            "sqlite://{}",
            dir.path().join("orchestrator.db").display()
        ))
    };
    let orchestrator = Orchestrator::open(&options).await.unwrap();
    let key = orchestrator.create_key("default").await.unwrap();
    let recorded: Recorded = Arc::default();
    let running = orchestrator
        .spawn_with("127.0.0.1:0".parse().unwrap(), {
            let recorded = Arc::clone(&recorded);
            move |router| {
                router.layer(axum::middleware::from_fn(move |request, next| {
                    record(Arc::clone(&recorded), request, next)
                }))
            }
        })
        .await
        .unwrap();

    let kubeconfig = dir.path().join("kubeconfig");
    let cacert = dir.path().join("ca.pem");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/lifecycle.py");
    let mut command = Command::new(&python);
    command
        .arg(&script)
        .env("ORCHESTRATOR_URL", format!("http://{}/v2", running.address))
        .env("ORCHESTRATOR_API_KEY", &key.key)
        .env("ORCHESTRATOR_API_SECRET", &key.secret)
        .env("KUBECONFIG_OUT", &kubeconfig)
        .env("CACERT_OUT", &cacert);
    // The client blocks; the orchestrator keeps serving on this runtime meanwhile.
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    running.stop().await.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the Python lifecycle failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    assert!(stdout.contains("lifecycle complete"), "{stdout}");

    // The kubeconfig's client certificate: CN = user, O = group, signed by the cluster CA.
    let config = std::fs::read_to_string(&kubeconfig).unwrap();
    let cert_line = config
        .lines()
        .find_map(|l| l.trim().strip_prefix("client-certificate-data: "))
        .expect("a client certificate");
    use base64::Engine as _;
    let cert_pem = base64::engine::general_purpose::STANDARD
        .decode(cert_line)
        .unwrap();
    let (_, cert_block) = x509_parser::pem::parse_x509_pem(&cert_pem).unwrap();
    let cert = cert_block.parse_x509().unwrap();
    let ca_pem = std::fs::read(&cacert).unwrap();
    let (_, ca_block) = x509_parser::pem::parse_x509_pem(&ca_pem).unwrap();
    let ca = ca_block.parse_x509().unwrap();
    assert_eq!(
        cert.subject()
            .iter_common_name()
            .next()
            .unwrap()
            .as_str()
            .unwrap(),
        "python"
    );
    assert_eq!(
        cert.subject()
            .iter_organization()
            .next()
            .unwrap()
            .as_str()
            .unwrap(),
        "system:masters"
    );
    cert.verify_signature(Some(ca.public_key()))
        .expect("signed by the cluster's control-plane authority");
    let lifetime = cert.validity().not_after.timestamp() - cert.validity().not_before.timestamp();
    assert!((3600..=3661).contains(&lifetime), "{lifetime}");

    // kubectl reads it (when kubectl is installed; required under CI).
    match Command::new("kubectl")
        .args(["config", "view", "--raw", "-o", "json", "--kubeconfig"])
        .arg(&kubeconfig)
        .output()
    {
        Ok(view) => {
            assert!(
                view.status.success(),
                "{}",
                String::from_utf8_lossy(&view.stderr)
            );
            let view: serde_json::Value = serde_json::from_slice(&view.stdout).unwrap();
            assert_eq!(view["users"][0]["name"], "python");
            assert_eq!(view["clusters"][0]["name"], "python-lifecycle");
            assert!(
                view["clusters"][0]["cluster"]["server"]
                    .as_str()
                    .unwrap()
                    .starts_with("https://")
            );
            assert_eq!(view["current-context"], "python@python-lifecycle");
        }
        Err(error) => skip_or_fail(&format!("kubectl is not available: {error}")),
    }

    // Every body the orchestrator answered with fits the contract.
    let spec = sks_api::contract::spec();
    let recorded = recorded.lock().unwrap();
    assert!(
        recorded.len() > 20,
        "only {} responses recorded",
        recorded.len()
    );
    for (method, path, status, body) in recorded.iter() {
        let relative = path.strip_prefix("/v2").unwrap_or(path);
        let operation = sks_api::contract::operation_for(&spec, method, relative)
            .unwrap_or_else(|| panic!("{method} {path} is not an operation of the contract"));
        let value: serde_json::Value = serde_json::from_slice(body)
            .unwrap_or_else(|e| panic!("{method} {path}: not JSON: {e}"));
        let schema = if *status == 200 {
            sks_api::contract::response_schema(&spec, &operation)
        } else {
            spec["x-error-bodies"]["classic"].clone()
        };
        let errors = sks_api::contract::check(&spec, &schema, &value, "", false);
        assert!(
            errors.is_empty(),
            "{method} {path} ({operation}): {errors:#?}\n{value:#}"
        );
    }
}
