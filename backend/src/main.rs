//! `cargo run -p backend [-- --dev]`: ReferAI's HTTP API on the configured database.

use std::path::Path;
use std::process::ExitCode;

use backend::http::AppState;
use backend::{Hasher, Repository, Settings};
use tokio::net::TcpListener;

const HELP: &str = "\
ReferAI's HTTP API

USAGE: cargo run -p backend [-- --dev]

OPTIONS:
  --dev        start even with a missing, placeholder or short JWT_SECRET (development only)
  -h, --help   print this help

SETTINGS (each from the environment, else from ./.env):
  DB_URL          the database, as for `cargo xtask` (DATABASE_URL when DB_URL is set nowhere)
  BIND_ADDR       where to listen (default 127.0.0.1:8000)
  JWT_SECRET      the key login tokens are signed with: a random value of 32 bytes or more
  MAX_CLIP_BYTES  the largest clip POST /actions accepts (default 26214400, 25 MiB)
";

fn main() -> ExitCode {
    let mut dev = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--dev" => dev = true,
            "-h" | "--help" => {
                print!("{HELP}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("error: unknown argument `{other}`; try --help");
                return ExitCode::from(2);
            }
        }
    }
    // The blocking pool runs argon2 (19 MiB of work memory per hash), at most one per core at
    // a time (see `Hasher`). glibc keeps that memory in each thread that ran a hash, ~100 MiB
    // a thread after a burst: as many threads as cores bounds it, where tokio's default (512,
    // spawned on demand) let a login burst leave 4 threads and 460 MiB behind.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().max_blocking_threads(cores).build();
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(dev)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(dev: bool) -> Result<(), String> {
    // Every setting before connecting: a refused secret should not wait for a database
    // connection to be said.
    let settings =
        Settings::read(&dburl::Settings::load(Path::new(".env")), dev).map_err(|err| err.to_string())?;
    for warning in &settings.warnings {
        eprintln!("warning: {warning}");
    }
    let database = &settings.database;

    let pool = backend::connect(&settings).await.map_err(|err| {
        database.explain_tls_error(&err).unwrap_or_else(|| {
            format!("cannot connect to {database} ({err}); is PostgreSQL running? `cargo xtask db-setup` creates the database")
        })
    })?;
    let repo = Repository::new(pool);
    match repo.schema_status().await {
        Ok(status) if !status.is_current() => eprintln!(
            "warning: {database} is not at this build's migrations (applied: {:?}, expected: {:?}); \
             /health answers 503 until `cargo xtask migrate` brings it there",
            status.applied, status.expected
        ),
        Ok(_) => {}
        Err(err) => eprintln!("warning: cannot read the migrations applied to {database}: {err}"),
    }

    let listener = TcpListener::bind(settings.bind_addr).await.map_err(|err| {
        format!("cannot listen on {} ({err}); set BIND_ADDR to a free address", settings.bind_addr)
    })?;
    let address = listener.local_addr().map_err(|err| err.to_string())?;
    println!("ReferAI API listening on http://{address} (database {database})");
    backend::http::serve(listener, AppState::new(repo, Hasher::new(), &settings), shutdown_signal())
        .await
        .map_err(|err| format!("the server stopped: {err}"))
}

/// Ctrl-C, or SIGTERM from a process manager: stop accepting, finish what is in flight.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    eprintln!("shutting down: finishing the requests in flight");
}
