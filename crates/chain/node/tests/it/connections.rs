//! Connection bounds: one peer address can hold at most its share of the server, and a full server
//! refuses the newest connection while those it serves keep their slots. Waits are bounded
//! (liveness), never timed assertions.

use std::net::{Ipv4Addr, SocketAddr};

use strait_node::{devnet_node_config, start_with, NodeHandle, RpcLimits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::hostile::{limits, post, read_to_close, LIVENESS};
use crate::support::*;

/// Limits whose timeouts never close a held connection during a test.
fn patient(max_connections: usize, max_connections_per_ip: usize) -> RpcLimits {
    RpcLimits {
        header_timeout: LIVENESS,
        body_timeout: LIVENESS,
        idle_timeout: LIVENESS,
        max_connections,
        max_connections_per_ip,
        ..limits()
    }
}

async fn node(name: &str, limits: RpcLimits) -> (TempDir, NodeHandle) {
    let specs = specs(2);
    let dir = temp_dir(name);
    let config = devnet_node_config(&specs, 0, &dir, "127.0.0.1:0".parse().unwrap());
    let node = start_with(config, limits).await.expect("node starts");
    (dir, node)
}

/// A connection to `addr` from the local address `source`.
async fn connect_from(source: Ipv4Addr, addr: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from((source, 0)))?;
    socket.connect(addr).await
}

/// Sends a keep-alive `strait_health` call and reads its whole answer: `Some(head and body)`, or
/// `None` if the server closed the connection (or reset it) instead of answering.
async fn call(stream: &mut TcpStream) -> Option<String> {
    let request = post(r#"{"jsonrpc":"2.0","id":1,"method":"strait_health"}"#);
    let request = String::from_utf8(request)
        .unwrap()
        .replace("Connection: close\r\n", "");
    if stream.write_all(request.as_bytes()).await.is_err() {
        return None;
    }
    let read = async {
        let mut answer = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf).await.ok()?;
            if n == 0 {
                return None;
            }
            answer.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&answer).into_owned();
            let Some((head, body)) = text.split_once("\r\n\r\n") else {
                continue;
            };
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .expect("a Content-Length");
            if body.len() >= length {
                return Some(text);
            }
        }
    };
    tokio::time::timeout(LIVENESS, read)
        .await
        .expect("the server answers or closes")
}

/// Whether a connection from `source` is served: it gets an answer to a call.
async fn served(stream: &mut TcpStream) -> bool {
    call(stream)
        .await
        .is_some_and(|answer| answer.starts_with("HTTP/1.1 200"))
}

/// Holds `n` connections from `source`, each served once; `None` if one of them was refused.
async fn hold(source: Ipv4Addr, addr: SocketAddr, n: usize) -> Option<Vec<TcpStream>> {
    let mut held = Vec::with_capacity(n);
    for _ in 0..n {
        let mut s = connect_from(source, addr).await.expect("connect");
        if !served(&mut s).await {
            return None;
        }
        held.push(s);
    }
    Some(held)
}

/// Once `source`'s connections are closed, it can hold `n` again (its slots were given back).
async fn wait_until_it_holds(source: Ipv4Addr, addr: SocketAddr, n: usize) -> Vec<TcpStream> {
    let deadline = tokio::time::Instant::now() + LIVENESS;
    loop {
        if let Some(held) = hold(source, addr, n).await {
            return held;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{source} never got its {n} connection slots back"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_holds_at_most_its_bound_and_others_are_still_served() {
    let (_dir, node) = node("per-ip", patient(200, 4)).await;
    let addr = node.local_addr();
    let flooder = Ipv4Addr::LOCALHOST;
    // At the bound: four connections of one address are served.
    let mut held = hold(flooder, addr, 4).await.expect("4 connections served");
    // Past it: every further connection of that address is closed unanswered.
    for _ in 0..3 {
        let mut s = connect_from(flooder, addr).await.expect("connect");
        assert_eq!(call(&mut s).await, None, "a fifth connection is refused");
        assert_eq!(read_to_close(&mut s).await, "");
    }
    // Those it holds are still served.
    for s in &mut held {
        assert!(served(s).await);
    }
    // Another address is served while the first is at its bound. The whole of 127.0.0.0/8 is
    // loopback on Linux; elsewhere 127.0.0.2 may not be configured.
    match connect_from(Ipv4Addr::new(127, 0, 0, 2), addr).await {
        Ok(mut s) => assert!(served(&mut s).await, "another address is served"),
        Err(e) if !cfg!(target_os = "linux") => {
            eprintln!("skipping the second address: cannot bind 127.0.0.2: {e}");
        }
        Err(e) => panic!("binding 127.0.0.2: {e}"),
    }
    // Closed connections give their slots back: the address can hold four again, and no more.
    drop(held);
    let _held = wait_until_it_holds(flooder, addr, 4).await;
    let mut s = connect_from(flooder, addr).await.expect("connect");
    assert_eq!(call(&mut s).await, None);
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_server_refuses_the_newest_connection() {
    let (_dir, node) = node("global", patient(4, 200)).await;
    let addr = node.local_addr();
    let source = Ipv4Addr::LOCALHOST;
    let mut held = hold(source, addr, 4).await.expect("4 connections served");
    let mut s = connect_from(source, addr).await.expect("connect");
    assert_eq!(call(&mut s).await, None, "a fifth connection is refused");
    // The connections it already serves keep being served.
    for s in &mut held {
        assert!(served(s).await);
    }
    // One closes: its slot goes to a newcomer, and the server is full again.
    held.pop();
    held.extend(wait_until_it_holds(source, addr, 1).await);
    let mut s = connect_from(source, addr).await.expect("connect");
    assert_eq!(call(&mut s).await, None, "full again");
    node.stop().await;
}
