from pathlib import Path

from bot.runtime.training import ensure_model, fingerprint, model_path


def _project(tmp_path: Path) -> Path:
    (tmp_path / "data" / "nlu").mkdir(parents=True)
    (tmp_path / "data" / "stories").mkdir()
    (tmp_path / "config.yml").write_text("pipeline: []\n")
    (tmp_path / "domain.yml").write_text("intents: [greet]\n")
    (tmp_path / "data" / "nlu" / "a.yml").write_text("nlu: []\n")
    return tmp_path


def test_fingerprint_changes_only_with_training_inputs(tmp_path):
    project = _project(tmp_path)
    before = fingerprint(project)
    (project / "README.md").write_text("docs do not retrain")
    assert fingerprint(project) == before
    (project / "data" / "nlu" / "a.yml").write_text("nlu: [changed]\n")
    assert fingerprint(project) != before


def test_existing_model_for_the_same_inputs_is_reused(tmp_path):
    project = _project(tmp_path)
    models = tmp_path / "models"
    models.mkdir()
    existing = model_path(project, models)
    existing.write_bytes(b"model")
    assert ensure_model(project, models) == existing  # no training started
