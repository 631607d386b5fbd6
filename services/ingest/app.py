"""App factory of the ingest service: the feed poller publishing articles."""

from __future__ import annotations

from faststream import FastStream
from faststream.specification import AsyncAPI

from services.ingest.fetcher import Fetcher
from services.ingest.poller import Poller
from services.ingest.settings import IngestSettings
from services.ops.probes import probe_app
from shared.broker import make_broker
from shared.models import Article
from shared.service import Runtime, Service
from shared.settings import CommonSettings
from shared.streams import ARTICLES


async def assemble(runtime: Runtime) -> Service:
    """Assemble the ingest service on a connected runtime: the feed poller and its one HTTP client."""
    settings = IngestSettings()
    fetcher = Fetcher(settings)
    poller = Poller(runtime.client, fetcher, settings)
    return Service(name="ingest", tasks=[poller.run], on_stop=[fetcher.aclose], http_app=probe_app(runtime, "ingest"))


def create_app() -> FastStream:
    """The FastStream app of this service, for `faststream docs gen --factory`."""
    settings = CommonSettings()
    broker = make_broker(settings.effective_redis_url)
    broker.publisher(
        stream=ARTICLES, title="ingest:articles", schema=Article, description="Articles ingested from feeds."
    )
    return FastStream(broker, specification=AsyncAPI(title="newsalert ingest", version="1"))
