//! `openduck::connect` against a running OpenDuck server: the one OPENDUCK_ENDPOINT and
//! OPENDUCK_TOKEN name, database OPENDUCK_TEST_DATABASE (default `demo`, the quick start's).
//! Without OPENDUCK_ENDPOINT each test prints a note and passes; test/e2e/test_rust_client.py
//! runs them against the end-to-end tests' server.
//!
//! The server may be shared with other tests: every table here is named `rust_it_*` and dropped
//! at the end of its test, failed or not.

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;

use duckdb::Connection;
use openduck::{AttachFailure, Error, Options};

struct Server {
    database: String,
    endpoint: String,
    token: Option<String>,
}

/// The server under test, or None (with a note on stderr) when none is configured.
fn server() -> Option<Server> {
    let Some(endpoint) = std::env::var("OPENDUCK_ENDPOINT")
        .ok()
        .filter(|e| !e.is_empty())
    else {
        // Straight to stderr: libtest would swallow eprintln! of a passing test.
        let _ = writeln!(
            std::io::stderr(),
            "note: skipping: OPENDUCK_ENDPOINT is not set (set it and OPENDUCK_TOKEN to a running OpenDuck server)"
        );
        return None;
    };
    Some(Server {
        database: std::env::var("OPENDUCK_TEST_DATABASE").unwrap_or_else(|_| "demo".to_string()),
        endpoint,
        token: std::env::var("OPENDUCK_TOKEN").ok(),
    })
}

/// Drops the named tables when it goes out of scope, so a failing assertion leaves nothing
/// behind on the shared server.
struct DropTables<'a> {
    con: &'a Connection,
    tables: &'a [&'a str],
}

impl Drop for DropTables<'_> {
    fn drop(&mut self) {
        for table in self.tables {
            if let Err(e) = self
                .con
                .execute_batch(&format!("DROP TABLE IF EXISTS {table}"))
            {
                let _ = writeln!(std::io::stderr(), "cleanup: dropping {table} failed: {e}");
            }
        }
    }
}

fn count(con: &Connection, sql: &str) -> i64 {
    con.query_row(sql, [], |row| row.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[test]
fn connect_attaches_as_cloud_and_selects_it() {
    let Some(server) = server() else { return };
    // Endpoint and token come from the environment here.
    let con = openduck::connect(&server.database, Options::default()).unwrap();
    let _cleanup = DropTables {
        con: &con,
        tables: &["cloud.rust_it_users"],
    };
    con.execute_batch(
        "CREATE OR REPLACE TABLE cloud.rust_it_users AS SELECT range AS id, 'user' || range AS name FROM range(20)",
    )
    .unwrap();
    assert_eq!(count(&con, "SELECT count(*) FROM cloud.rust_it_users"), 20);
    let name: String = con
        .query_row("SELECT name FROM rust_it_users WHERE id = 3", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(name, "user3");
    let current: String = con
        .query_row("SELECT current_database()", [], |row| row.get(0))
        .unwrap();
    assert_eq!(current, "cloud");
    let (kind, path): (String, String) = con
        .query_row(
            "SELECT type, path FROM duckdb_databases() WHERE database_name = 'cloud'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!(kind, "openduck");
    assert!(path.contains(&server.database), "{path}");
}

#[test]
fn options_name_the_server_and_the_alias() {
    let Some(server) = server() else { return };
    let options = Options {
        endpoint: Some(server.endpoint.clone()),
        token: server.token.clone().map(Into::into),
        alias: "remote".into(),
        ..Options::default()
    };
    let con = openduck::connect(&server.database, options).unwrap();
    let _cleanup = DropTables {
        con: &con,
        tables: &["remote.rust_it_aliased"],
    };
    con.execute_batch("CREATE OR REPLACE TABLE remote.rust_it_aliased AS SELECT 41 + 1 AS x")
        .unwrap();
    assert_eq!(count(&con, "SELECT x FROM rust_it_aliased"), 42);
}

#[test]
fn a_local_database_file_stays_attached_next_to_the_remote() {
    let Some(server) = server() else { return };
    let dir = std::env::temp_dir().join(format!("openduck-rust-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path: PathBuf = dir.join("mine.duckdb");
    let _ = std::fs::remove_file(&path);
    {
        let con = openduck::connect(
            &server.database,
            Options {
                local: Some(path.clone()),
                ..Options::default()
            },
        )
        .unwrap();
        let _cleanup = DropTables {
            con: &con,
            tables: &["cloud.rust_it_members"],
        };
        con.execute_batch(
            "CREATE TABLE mine.main.teams AS SELECT range AS id, 'team' || range AS team FROM range(3);
             CREATE OR REPLACE TABLE cloud.rust_it_members AS SELECT range AS id, range % 3 AS team FROM range(30);
             INSERT INTO cloud.rust_it_members SELECT 100 + id, id FROM mine.main.teams WHERE id > 0;",
        )
        .unwrap();
        let mut statement = con
            .prepare(
                "SELECT t.team, count(*) FROM rust_it_members m JOIN mine.main.teams t ON m.team = t.id \
                 GROUP BY t.team ORDER BY t.team",
            )
            .unwrap();
        let rows: Vec<(String, i64)> = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        // 30 members spread over 3 teams, plus one inserted from the local table into teams 1 and 2.
        assert_eq!(
            rows,
            [
                ("team0".to_string(), 10),
                ("team1".to_string(), 11),
                ("team2".to_string(), 11)
            ]
        );
    }
    let local = Connection::open(&path).unwrap();
    assert_eq!(count(&local, "SELECT count(*) FROM teams"), 3);
    drop(local);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The error, which must be an attach failure of `failure` kind, as text.
fn attach_error(result: Result<Connection, Error>, failure: AttachFailure) -> String {
    match result {
        Err(error @ Error::Attach { .. }) => {
            let message = error.to_string();
            let Error::Attach { failure: found, .. } = error else {
                unreachable!()
            };
            assert_eq!(found, failure, "{message}");
            message
        }
        Err(other) => panic!("expected an attach failure ({failure:?}), got: {other}"),
        Ok(_) => panic!("expected an attach failure ({failure:?}), but connect succeeded"),
    }
}

#[test]
fn a_wrong_token_says_so_without_showing_it() {
    let Some(server) = server() else { return };
    // The environment holds the right token: the option must win over it.
    let options = Options {
        token: Some("not-the-token-4711".into()),
        ..Options::default()
    };
    let message = attach_error(
        openduck::connect(&server.database, options),
        AttachFailure::Authentication,
    );
    assert!(message.starts_with(&format!(
        "attaching OpenDuck database '{}' at {}",
        server.database, server.endpoint
    )));
    assert!(
        message.contains("authentication failed") && message.contains("OPENDUCK_TOKEN"),
        "{message}"
    );
    assert!(!message.contains("not-the-token-4711"), "{message}");
}

#[test]
fn an_unknown_database_says_so() {
    let Some(_server) = server() else { return };
    let message = attach_error(
        openduck::connect("rust_no_such_db", Options::default()),
        AttachFailure::UnknownDatabase,
    );
    assert!(
        message.contains("'rust_no_such_db' does not exist"),
        "{message}"
    );
}

#[test]
fn an_unreachable_server_says_so() {
    let Some(server) = server() else { return };
    // A port nothing listens on any more.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let options = Options {
        endpoint: Some(endpoint.clone()),
        ..Options::default()
    };
    let message = attach_error(
        openduck::connect(&server.database, options),
        AttachFailure::Unreachable,
    );
    assert!(
        message.contains(&format!("cannot reach OpenDuck gateway at {endpoint}")),
        "{message}"
    );
    assert!(message.contains("OPENDUCK_ENDPOINT"), "{message}");
}
