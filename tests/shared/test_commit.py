"""The entry framing of shared.commit against FastStream's own encoder and parser."""

from __future__ import annotations

import json

import pytest
from faststream.redis.parser.binary import BinaryMessageFormatV1
from hypothesis import given
from hypothesis import strategies as st

from shared.commit import Encoded, encode_entry, frame, unframe
from shared.models import Article


@pytest.mark.parametrize(
    ("body", "correlation_id"),
    [
        (b'{"a":1}', "abc"),
        (b"", "0" * 32),
        ('{"title":"Sommet de l\'AES à Niamey"}'.encode(), "f" * 32),
        (b"x" * 70_000, "1234"),
    ],
)
async def test_frame_is_byte_for_byte_what_faststream_writes(body: bytes, correlation_id: str) -> None:
    theirs = await BinaryMessageFormatV1.encode(
        message=body, reply_to=None, headers={"content-type": "application/json"}, correlation_id=correlation_id
    )
    assert frame(body, correlation_id) == theirs


def test_encoded_entry_parses_back_to_the_payload_with_its_headers() -> None:
    article = Article(id="00000000000000aa", title="L'AES et la Russie", text="Moscou salue le sommet.")
    body, headers = BinaryMessageFormatV1.parse(encode_entry(article))
    assert Article.model_validate_json(body) == article
    assert headers["content-type"] == "application/json"
    assert len(headers["correlation_id"]) == 32


def test_encoded_entry_carries_the_payload_as_model_dump_json_writes_it() -> None:
    article = Article(id="00000000000000ab", title="Sommet de l’AES à Niamey", text="« Moscou » salue le sommet.")
    body, _headers = BinaryMessageFormatV1.parse(encode_entry(article))
    assert body == article.model_dump_json().encode()


def test_a_payload_encoded_by_its_producer_goes_out_as_given_in_the_same_frame() -> None:
    article = Article(id="00000000000000ad", title="Sommet de l’AES", text="Niamey accueille le sommet.")
    given_json = article.model_dump_json().encode()
    body, headers = BinaryMessageFormatV1.parse(encode_entry(Encoded(Article, given_json)))
    assert body == given_json
    assert headers["content-type"] == "application/json"
    assert len(headers["correlation_id"]) == 32


def test_every_entry_gets_its_own_correlation_id() -> None:
    article = Article(id="00000000000000ac", title="t")
    ids = {BinaryMessageFormatV1.parse(encode_entry(article))[1]["correlation_id"] for _ in range(100)}
    assert len(ids) == 100


@given(st.binary(max_size=300), st.text(alphabet="0123456789abcdef", max_size=40))
async def test_unframe_gives_the_body_faststream_parses_out_of_its_frame(body: bytes, correlation_id: str) -> None:
    framed = await BinaryMessageFormatV1.encode(
        message=body, reply_to=None, headers={"content-type": "application/json"}, correlation_id=correlation_id
    )
    assert unframe(framed) == BinaryMessageFormatV1.parse(framed)[0] == body


@given(st.binary(max_size=120), st.integers(min_value=0, max_value=80))
def test_unframe_agrees_with_faststream_on_any_bytes(raw: bytes, cut: int) -> None:
    framed = frame(b'{"a":1}', "abc")
    v1 = BinaryMessageFormatV1.IDENTITY_HEADER + b"\x00\x01"
    for data in (raw, v1 + raw, framed[:cut] + raw, framed[:cut] + raw[:2] + framed[cut + 2 :], framed + raw):
        assert unframe(data) == BinaryMessageFormatV1.parse(data)[0]


@pytest.mark.parametrize(
    "data",
    [
        frame(b"{}", "x")[:24] + bytes(23) + b"\x07" + bytes(29),  # found by hypothesis: offsets fine, headers not
        BinaryMessageFormatV1.IDENTITY_HEADER + b"\x00\x01\x00",  # a frame cut inside its offsets
        frame(b"{}", "\xff" * 3)[:-2] + b"{}",
    ],
)
def test_unframe_leaves_malformed_frames_to_faststream(data: bytes) -> None:
    assert unframe(data) == BinaryMessageFormatV1.parse(data)[0]


@pytest.mark.parametrize(
    "raw",
    [
        b'{"id":"0000000a"}',  # a raw producer's JSON
        json.dumps({"data": '{"id":"0000000a"}', "headers": {}}).encode(),  # FastStream's legacy envelope
        frame(b'{"id":"0000000a"}', "abc")[:-3],  # a frame cut short still gives what is there
    ],
)
def test_unframe_reads_other_payloads_as_faststream_does(raw: bytes) -> None:
    assert unframe(raw) == BinaryMessageFormatV1.parse(raw)[0]
