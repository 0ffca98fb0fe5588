//! A JSON-RPC proxy in front of anvil that fails chosen requests: a flaky node.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

/// Which requests fail: after `pass` requests of `method` pass, the next `fail` get HTTP 503.
#[derive(Default)]
pub struct Faults {
    pub method: std::sync::Mutex<String>,
    pub pass: AtomicU32,
    pub fail: AtomicU32,
}

/// A proxy on a free local port forwarding to `upstream` (host:port), on threads of its own
/// (they end with the test process).
pub struct Proxy {
    pub url: String,
    pub faults: Arc<Faults>,
}

impl Proxy {
    pub fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let faults = Arc::new(Faults::default());
        let shared = faults.clone();
        std::thread::spawn(move || {
            while let Ok((stream, _)) = listener.accept() {
                let (upstream, shared) = (upstream.clone(), shared.clone());
                std::thread::spawn(move || serve(stream, upstream, shared));
            }
        });
        Self { url, faults }
    }

    /// Lets `pass` more `method` requests through, then fails `fail`.
    pub fn fail(&self, method: &str, pass: u32, fail: u32) {
        *self.faults.method.lock().unwrap() = method.to_owned();
        self.faults.pass.store(pass, Ordering::SeqCst);
        self.faults.fail.store(fail, Ordering::SeqCst);
    }
}

/// One HTTP/1.1 message: its head and its body (by `Content-Length`).
fn read_message(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let len = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < len {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some((head, body))
}

fn should_fail(faults: &Faults, body: &[u8]) -> bool {
    let method = faults.method.lock().unwrap().clone();
    if method.is_empty() || !String::from_utf8_lossy(body).contains(&format!("\"{method}\"")) {
        return false;
    }
    if faults
        .pass
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |p| p.checked_sub(1))
        .is_ok()
    {
        return false;
    }
    faults
        .fail
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |f| f.checked_sub(1))
        .is_ok()
}

fn serve(mut client: TcpStream, upstream: String, faults: Arc<Faults>) {
    while let Some((_, body)) = read_message(&mut client) {
        let (status, answer) = if should_fail(&faults, &body) {
            ("503 Service Unavailable", Vec::new())
        } else {
            let mut node = TcpStream::connect(&upstream).unwrap();
            let request = format!(
                "POST / HTTP/1.1\r\nHost: {upstream}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            node.write_all(request.as_bytes()).unwrap();
            node.write_all(&body).unwrap();
            let Some((_, answer)) = read_message(&mut node) else {
                return;
            };
            ("200 OK", answer)
        };
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            answer.len()
        );
        if client.write_all(head.as_bytes()).is_err() || client.write_all(&answer).is_err() {
            return;
        }
    }
}
