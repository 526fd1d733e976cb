//! The real binary, started as an operator starts it: the data directory and everything secret
//! in it are the owner's alone, whatever an earlier version left; the key can come from a file
//! (not the process list), and a key file others can read is refused; a portal listening
//! beyond loopback gives its first account only to whoever has the bootstrap link from its
//! log.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A free loopback port.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The portal binary with `args`, its log captured.
fn capstan(data: &Path, port: u16, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_capstan"))
        .args(["--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(data)
        .args([
            "--catalog-dir",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../catalog"),
        ])
        .args(args)
        .env("CAPSTAN_LOG", "warn")
        .env("CAPSTAN_LOG_FORMAT", "text")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits (at most a minute) until the portal on `port` is ready; false when it exited first.
fn ready(child: &mut Child, port: u16) -> bool {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read as _, Write as _};
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let _ =
                stream.write_all(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.1 200") {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the portal was not ready within a minute");
}

/// Stops the portal and returns what it logged.
fn stop(mut child: Child) -> String {
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn the_data_directory_and_its_secrets_are_the_owners_alone() {
    let parent = tempfile::tempdir().unwrap();
    let data = parent.path().join("data");
    // As an earlier version (or a careless copy) left it: readable by everyone.
    std::fs::create_dir(&data).unwrap();
    set_mode(&data, 0o755);
    std::fs::write(
        data.join("secret.key"),
        "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=",
    )
    .unwrap();
    set_mode(&data.join("secret.key"), 0o644);

    let port = free_port();
    let mut portal = capstan(&data, port, &[]);
    let started = ready(&mut portal, port);
    let log = stop(portal);
    assert!(started, "{log}");
    assert_eq!(mode(&data), 0o700);
    for file in ["secret.key", "capstan.db", "orchestrator.db"] {
        assert_eq!(mode(&data.join(file)), 0o600, "{file}");
    }
    assert!(
        log.contains("the secret key was readable by others"),
        "the operator is told: {log}"
    );
}

#[test]
fn the_key_can_come_from_a_file_but_not_one_others_can_read() {
    let parent = tempfile::tempdir().unwrap();
    let key = parent.path().join("capstan.key");
    std::fs::write(&key, "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=\n").unwrap();
    set_mode(&key, 0o644);
    let data = parent.path().join("data");
    let key_arg = key.to_str().unwrap();

    let port = free_port();
    let mut refused = capstan(&data, port, &["--secret-key-file", key_arg]);
    assert!(!ready(&mut refused, port), "it must not start");
    let log = stop(refused);
    assert!(log.contains("is readable by others"), "{log}");

    set_mode(&key, 0o600);
    let port = free_port();
    let mut portal = capstan(&data, port, &["--secret-key-file", key_arg]);
    let started = ready(&mut portal, port);
    let log = stop(portal);
    assert!(started, "{log}");
    assert!(
        !data.join("secret.key").exists(),
        "the key from the file is used, no other is made"
    );
}

/// The bootstrap link the portal logged, read from its log file while it runs.
fn bootstrap_link(log: &str) -> Option<String> {
    let start = log.find("http://")?;
    let link = &log[start..];
    let end = link
        .find(|c: char| c.is_whitespace() || c == '"')
        .unwrap_or(link.len());
    link[..end]
        .contains("bootstrap=")
        .then(|| link[..end].to_owned())
}

#[tokio::test]
async fn beyond_loopback_the_first_account_needs_the_bootstrap_link() {
    let data = tempfile::tempdir().unwrap();
    let log_path = data.path().join("log");
    let port = free_port();
    let public = format!("http://127.0.0.1:{port}");
    let mut portal = Command::new(env!("CARGO_BIN_EXE_capstan"))
        .args([
            "--listen",
            &format!("0.0.0.0:{port}"),
            "--public-url",
            &public,
        ])
        .arg("--data-dir")
        .arg(data.path().join("data"))
        .args([
            "--catalog-dir",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../catalog"),
        ])
        .env("CAPSTAN_LOG", "warn")
        .stdout(std::fs::File::create(&log_path).unwrap())
        .stderr(
            std::fs::OpenOptions::new()
                .append(true)
                .open(&log_path)
                .unwrap(),
        )
        .spawn()
        .unwrap();
    let started = ready(&mut portal, port);
    let log = std::fs::read_to_string(&log_path).unwrap();
    let link = bootstrap_link(&log);

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let sign_up = |extra: &str| {
        http.post(format!("{public}/api/sign_up"))
            .header("origin", &public)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "name=Ops&email=ops%40example.com&password=a+long+enough+password&invitation={extra}"
            ))
            .send()
    };
    let without = sign_up("").await.unwrap().status();
    let token = link
        .as_deref()
        .and_then(|l| l.split("bootstrap=").nth(1))
        .unwrap_or_default()
        .to_owned();
    let wrong = sign_up("&bootstrap=not-the-token").await.unwrap().status();
    let with = sign_up(&format!("&bootstrap={token}"))
        .await
        .unwrap()
        .status();
    let _ = portal.kill();
    let _ = portal.wait();

    assert!(started, "{log}");
    let link = link.unwrap_or_else(|| panic!("no bootstrap link in the log: {log}"));
    assert!(
        link.starts_with(&format!("{public}/sign-up?bootstrap=")),
        "{link}"
    );
    assert_eq!(without, reqwest::StatusCode::FORBIDDEN);
    assert_eq!(wrong, reqwest::StatusCode::FORBIDDEN);
    assert_eq!(
        with,
        reqwest::StatusCode::OK,
        "the first account, with the token"
    );
}

#[tokio::test]
async fn metrics_can_be_served_on_an_address_of_their_own() {
    let parent = tempfile::tempdir().unwrap();
    let data = parent.path().join("data");
    let (port, metrics_port) = (free_port(), free_port());
    let metrics_address = format!("127.0.0.1:{metrics_port}");
    let mut portal = capstan(&data, port, &["--metrics-listen", &metrics_address]);
    let started = ready(&mut portal, port);
    let on_portal = reqwest::get(format!("http://127.0.0.1:{port}/metrics")).await;
    let elsewhere = reqwest::get(format!("http://{metrics_address}/metrics")).await;
    let log = stop(portal);
    assert!(started, "{log}");
    assert_eq!(on_portal.unwrap().status(), reqwest::StatusCode::NOT_FOUND);
    let elsewhere = elsewhere.unwrap();
    assert_eq!(elsewhere.status(), reqwest::StatusCode::OK);
    assert!(
        elsewhere
            .text()
            .await
            .unwrap()
            .contains("capstan_live_watchers")
    );
}
