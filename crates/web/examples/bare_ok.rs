//! The machine's HTTP ceiling for the load scripts: a bare axum server on the same tokio
//! runtime as `qinglian serve` that answers `ok`, with none of the server's layers.
//!
//! `../shared/PERFORMANCE.md` measured such a server at 120–150k req/s on this machine kind;
//! this VM's speed moves by up to 2× between periods, so `bench/bare_ok.sh` measures it again
//! to say how fast the machine is while the figures are taken.
//!
//! `cargo run --release -p qinglian-web --example bare_ok -- 127.0.0.1:PORT`
#![allow(clippy::print_stderr)]

use axum::Router;
use axum::routing::get;

fn main() {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:18099".to_owned());
    // As `qinglian serve` builds it: a worker per core.
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("bare_ok: no runtime: {e}");
            std::process::exit(1);
        }
    };
    let served = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&addr).await?;
        axum::serve(listener, Router::new().route("/", get(|| async { "ok" }))).await
    });
    if let Err(e) = served {
        eprintln!("bare_ok: {e}");
        std::process::exit(1);
    }
}
