"""The Arrow Flight peer of the remote-scan bench: a minimal pyarrow.flight server that answers
DoGet(ticket = SQL text) with the DuckDB result of that SQL, streamed as record batches.

It is what a competent "DuckDB behind Flight" looks like in a few lines: DuckDB produces Arrow
record batches (fetch_record_batch), Flight streams them over gRPC. One DuckDB connection
cursor per request, so concurrent requests do not share a cursor.

Run: python bench/flight_server.py --database FILE --port PORT
It prints "ready <port>" on stdout once it listens, and serves until SIGTERM/SIGINT (pyarrow's
serve() shuts the server down on those signals).
"""

import argparse
import sys

import duckdb
import pyarrow.flight as flight

ROWS_PER_BATCH = 122_880  # DuckDB's row group size; about 1-10 MiB per batch on lineitem


class DuckDBFlightServer(flight.FlightServerBase):
	def __init__(self, location: str, database: str):
		super().__init__(location)
		self._con = duckdb.connect(database, read_only=True)

	def do_get(self, context, ticket):
		sql = ticket.ticket.decode()
		reader = self._con.cursor().execute(sql).fetch_record_batch(ROWS_PER_BATCH)
		return flight.RecordBatchStream(reader)


def main():
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--database", required=True, help="DuckDB database file to serve (opened read-only)")
	parser.add_argument("--port", type=int, required=True)
	args = parser.parse_args()
	server = DuckDBFlightServer(f"grpc://127.0.0.1:{args.port}", args.database)
	print(f"ready {server.port}", flush=True)
	server.serve()


if __name__ == "__main__":
	sys.exit(main())
