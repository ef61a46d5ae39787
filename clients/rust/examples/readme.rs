//! The README's tour from Rust: connect (attach + USE), SHOW ALL TABLES, a remote query, a
//! hybrid join of remote and local data, and an INSERT of local rows into the remote database.
//!
//!     OPENDUCK_ENDPOINT=http://127.0.0.1:7878 OPENDUCK_TOKEN=... \
//!         cargo run --manifest-path clients/rust/Cargo.toml --example readme [DATABASE]
//!
//! DATABASE defaults to `demo` (the one scripts/quickstart.sh serves). It creates the remote
//! table `rust_readme_sales` and drops it at the end.

use std::error::Error;
use std::process::ExitCode;

use duckdb::arrow::util::pretty::pretty_format_batches;
use duckdb::Connection;

/// Remote: 1000 sales over 10 customers.
const CREATE_SALES: &str = "CREATE OR REPLACE TABLE rust_readme_sales AS \
    SELECT range AS id, range % 10 AS customer_id, (range * 37) % 101 AS amount FROM range(1000)";
/// Local (the in-memory database is `memory`; unqualified names go to `cloud` after USE).
const CREATE_CUSTOMERS: &str = "CREATE TABLE memory.main.rust_readme_customers AS \
    SELECT range AS customer_id, ['north', 'south', 'east'][range % 3 + 1] AS region FROM range(10)";

const QUERIES: [(&str, &str); 5] = [
    ("SHOW ALL TABLES", "SHOW ALL TABLES"),
    (
        "remote query (runs whole on the worker)",
        "SELECT count(*) AS sales, sum(amount)::BIGINT AS total FROM cloud.rust_readme_sales",
    ),
    (
        "hybrid join (remote sales, local customers)",
        "SELECT c.region, count(*) AS sales, sum(s.amount)::BIGINT AS total \
         FROM rust_readme_sales s JOIN memory.rust_readme_customers c USING (customer_id) \
         GROUP BY c.region ORDER BY c.region",
    ),
    (
        "INSERT local rows into the remote table",
        "INSERT INTO cloud.rust_readme_sales \
         SELECT 1000 + customer_id, customer_id, 500 FROM memory.rust_readme_customers WHERE region = 'north' \
         RETURNING id",
    ),
    (
        "after the INSERT",
        "SELECT count(*) AS sales, sum(amount)::BIGINT AS total FROM rust_readme_sales",
    ),
];

fn main() -> ExitCode {
    let database = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "demo".to_string());
    let con = match openduck::connect(&database, openduck::Options::default()) {
        Ok(con) => con,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("connected: OpenDuck database '{database}' attached as cloud and selected with USE");
    let outcome = run(&con);
    // Drop the remote table whatever happened: the server outlives this program.
    let cleanup = con
        .execute_batch("DROP TABLE IF EXISTS cloud.rust_readme_sales")
        .map_err(Box::from);
    match outcome.and(cleanup) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(con: &Connection) -> Result<(), Box<dyn Error>> {
    con.execute_batch(CREATE_SALES)?;
    con.execute_batch(CREATE_CUSTOMERS)?;
    for (title, sql) in QUERIES {
        let batches: Vec<_> = con.prepare(sql)?.query_arrow([])?.collect();
        println!("\n-- {title}\n{sql}\n{}", pretty_format_batches(&batches)?);
    }
    Ok(())
}
