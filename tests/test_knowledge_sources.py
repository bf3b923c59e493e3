"""The editable knowledge sources: shipped content, and clear errors for bad files."""

from pathlib import Path

import pytest

from knowledge.errors import KnowledgeError
from knowledge.faq import load_faqs
from knowledge.policies import load_passages

GOOD = """faqs:
  - id: returns-window
    topic: returns
    question: How long do I have to return something?
    phrasings: [return period, days to send back]
    heldout: [how many days for returns]
    answer: 30 days from delivery.
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_faq_base_is_large_and_fully_phrased():
    faqs = load_faqs()
    assert len(faqs) >= 150
    assert {"shipping", "returns", "payments", "warranty", "accounts", "privacy"} <= {
        f.topic for f in faqs
    }
    assert all(len(f.phrasings) >= 2 and f.heldout and f.answer for f in faqs)


def test_policy_pages_split_into_titled_passages():
    passages = load_passages()
    assert len(passages) >= 40
    assert len({p.source for p in passages}) >= 4
    assert all(p.title and len(p.text.split()) >= 30 for p in passages)


def test_missing_answer_names_file_and_entry(tmp_path):
    path = write(tmp_path, "faq.yml", GOOD.replace("    answer: 30 days from delivery.\n", ""))
    with pytest.raises(
        KnowledgeError, match=r"faq\.yml, entry 1 \(returns-window\): missing answer"
    ):
        load_faqs(path)


def test_duplicate_id_across_files_is_refused(tmp_path):
    write(tmp_path, "a.yml", GOOD)
    write(tmp_path, "b.yml", GOOD)
    with pytest.raises(
        KnowledgeError, match=r"b\.yml: duplicate FAQ id 'returns-window' \(also in a\.yml\)"
    ):
        load_faqs(tmp_path)


def test_misspelt_key_is_refused(tmp_path):
    path = write(tmp_path, "faq.yml", GOOD.replace("phrasings:", "phrasing:"))
    with pytest.raises(KnowledgeError, match="unknown key\\(s\\) phrasing"):
        load_faqs(path)


def test_policy_page_without_sections_is_refused(tmp_path):
    path = write(tmp_path, "page.md", "# Returns\n\nJust one paragraph.\n")
    with pytest.raises(KnowledgeError, match=r"page\.md: no '## ' sections"):
        load_passages(path)
