"""App factory of the classify service."""

from __future__ import annotations

from faststream import FastStream
from faststream.specification import AsyncAPI

from services.classify.handlers import article_handler
from services.classify.settings import ClassifySettings
from services.classify.stories import StoryStore
from services.ops.probes import probe_app
from shared.broker import make_broker, make_client
from shared.letters import DEAD_DOC
from shared.models import Article, DeadLetter, TaggedArticle
from shared.service import Runtime, Service
from shared.settings import CommonSettings
from shared.stage import Stage, StageRunner
from shared.streams import ARTICLES, CLASSIFY_GROUP, TAGGED, dead


def classify_stage(stories: StoryStore, vocabulary: object = None) -> Stage[Article]:
    """The stage that turns articles into tagged articles."""
    handle = article_handler(vocabulary, stories)
    return Stage(
        name="classify",
        stream=ARTICLES,
        group=CLASSIFY_GROUP,
        model=Article,
        handle=handle,
        key=lambda article: f"{article.id}:{article.digest()}",
    )


async def assemble(runtime: Runtime) -> Service:
    """Assemble the classify service on a connected runtime."""
    stories = StoryStore(runtime.client, window_s=ClassifySettings().story_window_s)
    return Service(name="classify", stages=[classify_stage(stories)], http_app=probe_app(runtime, "classify"))


def create_app() -> FastStream:
    """The FastStream app of this service, for `faststream docs gen --factory`."""
    settings = CommonSettings()
    broker = make_broker(settings.effective_redis_url)
    window_s = ClassifySettings().story_window_s
    stage = classify_stage(StoryStore(make_client(settings.effective_redis_url), window_s=window_s))
    StageRunner(stage, broker, make_client(settings.effective_redis_url), settings).attach()
    broker.publisher(stream=TAGGED, title="classify:tagged", schema=TaggedArticle, description="Tagged articles.")
    broker.publisher(stream=dead(ARTICLES), title="classify:dead", schema=DeadLetter, description=DEAD_DOC)
    return FastStream(broker, specification=AsyncAPI(title="newsalert classify", version="1"))
