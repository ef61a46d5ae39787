"""Writes the seed corpus of the fuzz targets (corpus/<target>/): small valid inputs of each
format, so the fuzzers start from the code paths real data takes. The files are committed;
rerun after a format changes: .venv/bin/python test/fuzz/make_seeds.py

request_handler_fuzzer writes its own seeds (protobuf requests, from the C++ messages):
OPENDUCK_FUZZ_WRITE_SEEDS=test/fuzz/corpus/request_handler_fuzzer build/fuzz/test/fuzz/request_handler_fuzzer"""

import io
import struct
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc

HERE = Path(__file__).resolve().parent


def crc32c(data: bytes) -> int:
	crc = 0xFFFFFFFF
	for byte in data:
		crc ^= byte
		for _ in range(8):
			crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
	return crc ^ 0xFFFFFFFF


def write(target, name, data: bytes):
	folder = HERE / "corpus" / target
	folder.mkdir(parents=True, exist_ok=True)
	(folder / name).write_bytes(data)


def ipc_stream(table, compression=None) -> bytes:
	sink = io.BytesIO()
	options = ipc.IpcWriteOptions(compression=compression)
	with ipc.new_stream(sink, table.schema, options=options) as writer:
		writer.write_table(table, max_chunksize=3)
	return sink.getvalue()


def ipc_seeds():
	table = pa.table({
	    "i": pa.array([1, None, 3, 4], pa.int64()),
	    "s": pa.array(["a", "bb", None, "dddd"]),
	    "l": pa.array([[1, 2], [], None, [3]], pa.list_(pa.int32())),
	    "st": pa.array([{"x": 1, "y": "p"}, None, {"x": 3, "y": None}, {"x": 4, "y": "q"}],
	                   pa.struct([("x", pa.int32()), ("y", pa.string())])),
	    "d": pa.array(["red", "blue", "red", None]).dictionary_encode(),
	    "t": pa.array([0, 1, 2, 3], pa.timestamp("us", tz="UTC")),
	    "dec": pa.array([1, 2, 3, None], pa.decimal128(18, 3)),
	    "b": pa.array([True, False, None, True]),
	})
	write("ipc_stream_fuzzer", "mixed.arrows", ipc_stream(table))
	write("ipc_stream_fuzzer", "mixed_lz4.arrows", ipc_stream(table, "lz4"))
	write("ipc_stream_fuzzer", "mixed_zstd.arrows", ipc_stream(table, "zstd"))
	write("ipc_stream_fuzzer", "empty.arrows", ipc_stream(pa.table({"x": pa.array([], pa.int32())})))


def attach_seeds():
	for i, text in enumerate([
	    "mydb?endpoint=http://127.0.0.1:7878&token=abc",
	    "od%20db?endpoint=https://h:1&ca=/x.pem&snapshot=v1&access=read_only",
	    "x?endpoint=http://[::1]:9&client_cert=a&client_key=b",
	]):
		write("attach_config_fuzzer", f"attach{i}.txt", text.encode())


def layer_seeds():
	extents = [(12288, 8, b"ABCDEFGH"), (0, 4, b"head")]
	data = b"".join(e[2] for e in extents)
	index = b""
	offset = 0
	for logical, length, payload in sorted(extents):
		index += struct.pack("<QQQII", logical, length, offset, crc32c(payload), 0)
		offset += length
	footer = b"ODLAYER1" + struct.pack("<QQQQII", len(data), len(extents), 1 << 20, 2**64 - 1, crc32c(index), 1)
	footer += struct.pack("<II", crc32c(footer), 0)
	write("layer_format_fuzzer", "two_extents.layer", data + index + footer)


def listing_seeds():
	write("s3_listing_fuzzer", "page.xml", b"""<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult><Name>b</Name><IsTruncated>true</IsTruncated>
<Contents><Key>p/layers/a&amp;b.layer</Key><LastModified>2026-01-02T03:04:05.000Z</LastModified><Size>42</Size></Contents>
<NextContinuationToken>tok</NextContinuationToken></ListBucketResult>""")


def active_log_seeds():
	header = b"ODACTIV1" + struct.pack("<Q", 7) + bytes(16)
	records = b""
	for kind, offset, payload in [(1, 4096, b"page bytes"), (1, 0, b"hdr"), (2, 2048, b"")]:
		# A truncation record (kind 2) carries the new size as its offset and no data.
		head = struct.pack("<IIQQI", 0x4F445243, kind, offset, len(payload), crc32c(payload) if payload else 0)
		records += head + struct.pack("<I", crc32c(head)) + payload
	write("active_log_fuzzer", "three_records.log", header + records)


def url_signing_seeds():
	# Fields: store URL, AWS_ENDPOINT_URL, method, path, query name, query value, header name,
	# header value, object key.
	fields = ["s3://bucket/prefix/x", "http://127.0.0.1:9000", "GET", "/bucket/layers/1.layer", "list-type", "2",
	          "x-amz-content-sha256", "UNSIGNED-PAYLOAD", "layers/1/a b+c%.layer"]
	write("url_signing_fuzzer", "get.txt", "\n".join(fields).encode())


def http_request_seeds():
	# The first byte picks the size of the pieces the request is fed in.
	write("http_request_fuzzer", "health.http", b"\x05GET /health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer abc\r\n\r\n")
	write("http_request_fuzzer", "metrics_lf.http", b"\x00GET /metrics?x=1 HTTP/1.0\nauthorization:  Bearer t \n\n")


def join_key_filter_seeds():
	# "ODJK", version 1, 2^n little-endian words; the worker receives it as base64 text.
	import base64
	for words in (1, 2, 16):
		data = b"ODJK\x01" + bytes((i * 37) % 256 for i in range(8 * words))
		write("join_key_filter_fuzzer", f"filter{words}.b64", base64.b64encode(data))
		write("join_key_filter_fuzzer", f"filter{words}.bin", data)


if __name__ == "__main__":
	join_key_filter_seeds()
	url_signing_seeds()
	http_request_seeds()
	ipc_seeds()
	attach_seeds()
	layer_seeds()
	listing_seeds()
	active_log_seeds()
