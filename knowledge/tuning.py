"""`csbot tune`: a shop pack's FAQ thresholds fitted to its own held-out phrasings.

Every FAQ entry may list `heldout` phrasings: ways customers ask that are never indexed. Asked
of the pack's index as the bot asks at run time (MiniLM and the linear head, built the same
way), they show how often the bot would answer rightly, answer wrongly, offer a choice or
hand over, under the thresholds the pack has and under the ones fitted to them (see
knowledge/calibration.py). Off-topic questions that no shop answers are the negatives, so
the same list serves every pack.

Fitting needs enough held-out phrasings to mean something: at least MIN_PHRASINGS spread over
at least MIN_FAQS entries (fewer would fit the thresholds to a handful of lucky or unlucky
questions). A pack with fewer is refused before any model loads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from tempfile import TemporaryDirectory

from knowledge.answers import Thresholds
from knowledge.calibration import Figures, Query, calibrate, figures
from knowledge.embeddings import Encoder
from knowledge.errors import KnowledgeError
from knowledge.faq import FaqEntry, load_faqs
from knowledge.index import build_collection
from knowledge.policies import Passage, load_passages
from knowledge.retrieval import KnowledgeBase, Ranking
from knowledge.sources import ANSWERS, Sources, answer_texts

MIN_PHRASINGS = 20
MIN_FAQS = 10
RANKED = 10  # candidates ranked per question (the answerer looks at two, clarify at three)

Ranker = Callable[[str], Ranking]

# Questions a shop's customer service does not answer, whatever the shop: what a pack's
# thresholds must hand over rather than answer. Some come close to a shop's own questions
# (an order elsewhere, opening hours of a bank), as customers' do; none names a brand or a
# retailer, which may be on topic for a shop that sells it.
OFF_TOPIC = (
    "what's the weather like tomorrow",
    "tell me a joke",
    "who will win the next election",
    "can you help me with my math homework",
    "what's the capital of Australia",
    "how do I cancel my Netflix subscription",
    "my order from another website is late, where is it",
    "what's the meaning of life",
    "can you book me a table at a restaurant",
    "who is the best football player in the world",
    "translate this sentence to Spanish",
    "how do I fix my car's brakes",
    "what do you think about the president",
    "write me a poem about cats",
    "is bitcoin going up",
    "I need a good recipe for lasagna",
    "what time is it in Tokyo",
    "how tall is the Eiffel tower",
    "do you like pizza?",
    "help me write my CV",
    "is my bank open on Saturday",
    "my internet provider is down, can you fix it",
    "what movies are playing tonight",
    "sing me a song",
    "can you find me a cheap flight to Rome",
    "how many calories in a banana",
    "whats ur favourite color",
    "can you tell me how to file my taxes",
    "the furniture I bought somewhere else is missing screws",
)


class NotEnoughHeldOut(KnowledgeError):
    """The pack's FAQ holds too few held-out phrasings to fit thresholds from."""


@dataclass(frozen=True)
class Tuning:
    """The pack's thresholds before and after, and what each does on the held-out questions
    (the same questions the new ones were fitted to: new customers will do a little worse)."""

    before: Thresholds
    after: Thresholds
    was: Figures  # with `before`
    now: Figures  # with `after`
    faqs: int  # FAQ entries with held-out phrasings

    def header(self, on: date) -> str:
        """The comment that says where a written thresholds.yml came from."""
        return (
            f"Written by `csbot tune` on {on.isoformat()} from {self.now.questions} held-out "
            f"phrasings of {self.faqs} FAQs\nand {self.now.off_topic} off-topic questions. "
            "Run it again after changing faq/ (--dry-run shows the figures only)."
        )


def heldout_queries(faqs: Sequence[FaqEntry]) -> list[Query]:
    """Each FAQ's held-out phrasings, with the doc id that should answer them."""
    return [Query(text, f"faq:{faq.id}") for faq in faqs for text in faq.heldout]


def off_topic() -> list[Query]:
    return [Query(text, None) for text in OFF_TOPIC]


def require_enough(positives: Sequence[Query]) -> None:
    """NotEnoughHeldOut, saying what to add, unless there is enough to fit from."""
    count, faqs = len(positives), len({q.gold for q in positives})
    if count < MIN_PHRASINGS or faqs < MIN_FAQS:
        raise NotEnoughHeldOut(
            f"faq/ has {count} held-out phrasing(s) over {faqs} FAQ(s); tuning needs at least "
            f"{MIN_PHRASINGS} over {MIN_FAQS} FAQs: add `heldout:` lines (ways customers ask "
            "that are not among the entry's `phrasings`) to more entries"
        )


@contextmanager
def pack_ranker(
    faqs: Sequence[FaqEntry],
    passages: Sequence[Passage],
    encoder: Encoder,
    shop_names: Sequence[str] = (),
) -> Iterator[Ranker]:
    """The bot's own ranking over these entries: the answers collection built as `csbot
    knowledge build` builds it, in a folder of its own that is gone afterwards (the served
    index is left alone)."""
    with TemporaryDirectory(prefix="csbot-tune-") as folder:
        root = Path(folder)
        build_collection(root, ANSWERS, *answer_texts(faqs, passages), encoder, classify=True)
        knowledge = KnowledgeBase(root, encoder, shop_names)
        yield lambda text: knowledge.rank(ANSWERS, text, RANKED)


def tune(
    sources: Sources, current: Thresholds, encoder: Encoder, shop_names: Sequence[str] = ()
) -> Tuning:
    """Thresholds fitted to the pack's held-out phrasings, with the figures before and after;
    writes nothing. NotEnoughHeldOut (before the encoder is used) for a thin FAQ."""
    faqs = load_faqs(sources.faq_dir)
    positives = heldout_queries(faqs)
    require_enough(positives)
    passages = load_passages(sources.policy_dir)
    with pack_ranker(faqs, passages, encoder, shop_names) as rank:
        results = [(query, rank(query.text)) for query in positives + off_topic()]
    after = calibrate(results)
    return Tuning(
        before=current,
        after=after,
        was=figures(results, current),
        now=figures(results, after),
        faqs=len({q.gold for q in positives}),
    )
