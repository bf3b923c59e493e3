"""Retrain from the console: hash folds, the before/after report, the admin's model choice
and what a restart serves, the background job (one at a time, a failed training), and
switching the model on every Rasa replica (stand-in Rasa servers speaking /status and
PUT /model). The real `rasa train` and MiniLM run in the browser test (test_browser_retrain)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from aiohttp import web

from bot.runtime import model_choice, setup
from bot.runtime.settings import PROJECT_ROOT, Settings
from bot.runtime.training import fingerprint, inputs_of, model_path, snapshot_path
from bot.web import create_app
from bot.web.keys import RETRAIN, SETTINGS
from bot.workbench import intent_cv
from bot.workbench.retrain import Retrainer, RetrainRunning
from tests.conftest import RASA_TOKEN, web_settings
from tests.test_console import PASSWORD, login

OLD = "csbot-0000000000000000.tar.gz"
SERVING = web.AppKey("serving", dict)  # {"model": what a stand-in Rasa serves}
INTENTS = {
    "greet": ["hello there", "hi", "good morning", "hey you", "hello friend", "hi again"],
    "order_status": ["where is my order", "track my parcel", "order not arrived",
                     "where is my parcel", "status of my order", "has my order shipped"],
    "goodbye": ["bye", "see you later", "goodbye friend", "bye bye", "talk later", "cya"],
}  # fmt: skip


class WordEncoder:
    """Bag of words hashed into 64 dimensions: a stand-in for MiniLM where it is not the point."""

    def encode(self, texts):
        rows = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in zip(rows, texts, strict=True):
            for word in text.lower().split():
                row[hashlib.md5(word.encode()).digest()[0] % 64] += 1
        return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)


def nlu_yaml(intents: dict[str, list[str]]) -> str:
    blocks = [
        f"- intent: {name}\n  examples: |\n" + "".join(f"    - {e}\n" for e in examples)
        for name, examples in intents.items()
    ]
    return 'version: "3.1"\nnlu:\n' + "".join(blocks)


@pytest.fixture
def project(tmp_path) -> Settings:
    """A project with the real config and domain, a small NLU folder, a models folder with
    the active model (OLD) and its record of the data it was trained on."""
    root = tmp_path / "project"
    (root / "data" / "stories").mkdir(parents=True)
    for name in ("config.yml", "domain.yml"):
        shutil.copyfile(PROJECT_ROOT / name, root / name)
    nlu = tmp_path / "nlu"
    nlu.mkdir()
    (nlu / "examples.yml").write_text(nlu_yaml(INTENTS))
    models = tmp_path / "models"
    models.mkdir()
    (models / OLD).write_bytes(b"old model")
    old_data = [(t, i) for i, texts in INTENTS.items() for t in texts[:4]]
    snapshot_path(models / OLD).write_text(json.dumps(old_data))
    return dataclasses.replace(
        Settings.from_env({}), project_dir=root, models_dir=models, nlu_dir=nlu
    )


TRAINS = """
import sys, pathlib
for p in (10, 55, 100):
    print(f"Epochs: {p:3d}%|#####     | {p}/100 [00:01<00:00]", end="\\r", flush=True)
print("Your Rasa model is trained and saved")
pathlib.Path(sys.argv[1]).write_bytes(b"new model")
"""
FAILS = """
print("Loading data")
raise SystemExit("InvalidDomain: intent 'greet' is listed twice")
"""
WAITS = """
import sys, pathlib, time
while not pathlib.Path(sys.argv[2]).exists():
    time.sleep(0.05)
"""


def training(script: str, *args: str):
    """A training command that runs `script` with the target model path as argv[1]."""
    return lambda inputs, models_dir, target: [sys.executable, "-c", script, str(target), *args]


def retrainer(settings: Settings, script: str = TRAINS, *args: str) -> Retrainer:
    return Retrainer(settings, encoder=WordEncoder, command=training(script, *args))


# --- folds and the report -------------------------------------------------------------------


def test_an_examples_fold_depends_only_on_its_normalised_text():
    assert intent_cv.fold_of("Where is my order") == intent_cv.fold_of("  where IS my   order ")
    assert intent_cv.fold_of("where is my order") == 1  # the same on every run and machine
    assert intent_cv.fold_of("hello there") == 4
    old = [t for texts in INTENTS.values() for t in texts]
    new = ["a brand new example", *old[:5], "another new one", *old[5:]]

    def fold_members(texts):
        return [{texts[i] for i in test} for _, test in intent_cv.hash_splits(texts)]

    for before, after in zip(fold_members(old), fold_members(new), strict=True):
        assert before <= after  # added examples never move the old ones to another fold
    assert sorted(len(s) for s in fold_members(old)) != [0] * 5


def test_cross_validation_scores_each_intent_and_the_diff_puts_regressions_first():
    examples = [(t, i) for i, texts in INTENTS.items() for t in texts]
    report = intent_cv.cross_validate(examples, WordEncoder().encode)
    assert report.examples == 18 and report.support == {i: 6 for i in INTENTS}
    assert 0 < report.macro_f1 <= 1 and report.macro_f1 == pytest.approx(
        np.mean(list(report.f1.values()))
    )

    before = intent_cv.CvReport(10, 0.7, {"a": 0.9, "b": 0.5, "gone": 0.7}, {"a": 4, "b": 3})
    after = intent_cv.CvReport(12, 0.8, {"a": 0.6, "b": 0.9, "new": 1.0}, {"a": 5, "b": 4})
    rows = intent_cv.compare(before, after)
    assert [r.intent for r in rows] == ["a", "b", "gone", "new"]
    assert rows[0].change == pytest.approx(-0.3) and rows[1].change == pytest.approx(0.4)
    assert (rows[2].after, rows[3].before, rows[3].change) == (None, None, None)
    assert (rows[0].examples_before, rows[0].examples_after) == (4, 5)
    assert [r.before for r in intent_cv.compare(None, after)] == [None, None, None]


def test_the_intent_heads_c_comes_from_the_training_config(tmp_path):
    assert intent_cv.head_c(PROJECT_ROOT / "config.yml") == 10.0
    config = tmp_path / "c.yml"
    config.write_text(f"pipeline:\n  - name: {intent_cv.INTENT_HEAD}\n    C: 2.5\n")
    assert intent_cv.head_c(config) == 2.5


# --- the choice and what a restart serves ---------------------------------------------------


def test_a_restart_serves_the_chosen_model_until_the_training_inputs_change(project, capsys):
    models = project.models_dir
    current = fingerprint(project.project_dir, inputs_of(project))
    trained = model_path(project.project_dir, models, inputs_of(project))
    trained.write_bytes(b"the model for the current inputs")  # so nothing trains here
    assert setup.rasa_model(project) == trained  # no choice yet: the current inputs' model

    model_choice.record(models, "keep", OLD, None, current, "sam")
    assert setup.rasa_model(project) == models / OLD
    assert "the model chosen in the console" in capsys.readouterr().out
    model_choice.record(models, "activate", trained.name, OLD, current, "sam")
    assert setup.rasa_model(project) == trained
    model_choice.record(models, "rollback", OLD, trained.name, current, "sam")
    assert setup.rasa_model(project) == models / OLD
    assert model_choice.read(models).previous == trained.name

    (project.nlu_dir / "examples.yml").write_text(nlu_yaml({**INTENTS, "thanks": ["ta"]}))
    changed = model_path(project.project_dir, models, inputs_of(project))
    changed.write_bytes(b"the model for the changed inputs")
    assert setup.rasa_model(project) == changed  # taught since: as before the console
    (project.nlu_dir / "examples.yml").write_text(nlu_yaml(INTENTS))
    (models / OLD).unlink()
    assert setup.rasa_model(project) == trained  # the chosen file is gone


def test_settings_read_the_training_config_and_the_rasa_replicas():
    settings = Settings.from_env({"CSBOT_RASA_URL": "http://r:1"})
    assert settings.rasa_urls == ("http://r:1",) and settings.train_config == Path("config.yml")
    both = Settings.from_env(
        {"CSBOT_RASA_URLS": "http://a:5005/, http://b:5005", "CSBOT_TRAIN_CONFIG": "t.yml"}
    )
    assert both.rasa_urls == ("http://a:5005", "http://b:5005")
    assert both.train_config == Path("t.yml")
    with pytest.raises(ValueError, match="CSBOT_RASA_URLS"):
        Settings.from_env({"CSBOT_RASA_URLS": "a:5005"})


def test_the_fingerprint_names_inputs_not_their_folders(project, tmp_path):
    before = fingerprint(project.project_dir, inputs_of(project))
    moved = tmp_path / "elsewhere"
    shutil.copytree(project.nlu_dir, moved)
    assert (
        fingerprint(project.project_dir, inputs_of(dataclasses.replace(project, nlu_dir=moved)))
        == before
    )
    assert fingerprint(project.project_dir) != before  # the repository's own data/nlu


# --- the job ------------------------------------------------------------------------------


def test_a_retrain_trains_and_cross_validates_before_and_after(project):
    job = retrainer(project)
    job.start(project.models_dir / OLD, "sam")
    assert job.wait(60) == "done", job.status()
    status = job.status()
    candidate = project.models_dir / status["candidate"]
    assert candidate.read_bytes() == b"new model"
    assert status["before"]["examples"] == 12 and status["after"]["examples"] == 18
    assert status["percent"] == 100 and status["active"] == OLD
    assert json.loads(snapshot_path(candidate).read_text())[0] == ["hello there", "greet"]
    assert model_choice.read(project.models_dir) is None  # nothing decided, nothing loaded


def test_a_second_retrain_is_refused_while_one_runs(project, tmp_path):
    release = tmp_path / "release"
    job = retrainer(project, WAITS, str(release))
    job.start(project.models_dir / OLD, "sam")
    with pytest.raises(RetrainRunning, match="already running .*started by sam"):
        job.start(project.models_dir / OLD, "alex")
    release.touch()
    assert job.wait(60) == "failed"  # WAITS writes no model
    assert job.status()["by"] == "sam"


def test_a_failed_training_fails_the_job_with_its_output_and_changes_nothing(project):
    job = retrainer(project, FAILS)
    job.start(project.models_dir / OLD, "sam")
    assert job.wait(60) == "failed"
    status = job.status()
    assert "exited with code 1" in status["detail"]
    assert "InvalidDomain: intent 'greet' is listed twice" in status["detail"]
    assert status["stage"] == "training" and "after" not in status
    assert sorted(p.name for p in project.models_dir.glob("*.tar.gz")) == [OLD]
    assert model_choice.read(project.models_dir) is None


def test_an_active_model_without_a_record_of_its_data_has_no_before_figures(project):
    snapshot_path(project.models_dir / OLD).unlink()
    job = retrainer(project)
    job.start(project.models_dir / OLD, "sam")
    assert job.wait(60) == "done"
    assert job.status()["before"] is None and "no 'before' figures" in job.status()["before_note"]


# --- the console page and Rasa's replicas ---------------------------------------------------


def fake_rasa(serving: str, loads: bool = True) -> web.Application:
    """Rasa's /status and model-replace API with its token check; `loads=False`: a replica
    whose PUT /model fails (a model it cannot load)."""
    app = web.Application()
    app[SERVING] = {"model": serving}

    async def status(request):
        if request.query.get("token") != RASA_TOKEN:
            return web.json_response({}, status=401)
        return web.json_response({"model_file": app[SERVING]["model"], "model_id": "x"})

    async def replace(request):
        if request.query.get("token") != RASA_TOKEN:
            return web.json_response({}, status=401)
        if not loads:
            return web.json_response({"reason": "LoadingError"}, status=500)
        app[SERVING]["model"] = Path((await request.json())["model_file"]).name
        return web.Response(status=204)

    app.router.add_get("/status", status)
    app.router.add_put("/model", replace)
    return app


@pytest.fixture
async def console(aiohttp_client, aiohttp_server, web_services, project):
    """The console over two Rasa replicas serving OLD, with sam (admin) logged in."""
    replicas = [await aiohttp_server(fake_rasa(OLD)) for _ in range(2)]
    urls = tuple(str(r.make_url("")).rstrip("/") for r in replicas)
    settings = web_settings(
        urls[0],
        project.project_dir,
        nlu_dir=project.nlu_dir,
        models_dir=project.models_dir,
        rasa_replica_urls=urls,
    )
    app = create_app(settings, web_services)
    app[RETRAIN] = retrainer(settings)
    client = await aiohttp_client(app)
    web_services.agents.create("sam", "Sam", PASSWORD, role="admin")
    web_services.agents.create("alex", "Alex", PASSWORD, skills=["billing"])
    token = await login(client, "sam")
    return client, token, app, replicas


async def retrained(client, token, app) -> str:
    response = await client.post("/console/admin/model/retrain", data={"csrf": token})
    assert "Retraining in the background" in await response.text()
    assert app[RETRAIN].wait(60) == "done"
    status = await (await client.get("/console/admin/model/status.json")).json()
    return status["candidate"]


def serving(replicas) -> list[str]:
    return [r.app[SERVING]["model"] for r in replicas]


async def test_retrain_activate_and_roll_back_on_every_replica(console, web_services, project):
    client, token, app, replicas = console
    new = await retrained(client, token, app)
    page = await (await client.get("/console/admin/model")).text()
    assert 'id="macro-before"' in page and "greet" in page and f"Activate {new}" in page

    activated = await client.post(
        "/console/admin/model/activate", data={"csrf": token, "model": new}
    )
    assert f"{new} is active on 2 Rasa replica(s); it replaced {OLD}" in await activated.text()
    assert serving(replicas) == [new, new]
    choice = model_choice.read(project.models_dir)
    assert (choice.decision, choice.active, choice.previous, choice.by) == (
        "activate",
        new,
        OLD,
        "sam",
    )
    assert choice.fingerprint == fingerprint(project.project_dir, inputs_of(project))
    again = await client.post("/console/admin/model/activate", data={"csrf": token, "model": new})
    assert again.status == 400 and "activated already" in await again.text()

    back = await client.post("/console/admin/model/rollback", data={"csrf": token, "model": OLD})
    assert f"Rolled back to {OLD}" in await back.text()
    assert serving(replicas) == [OLD, OLD]
    assert model_choice.read(project.models_dir).previous == new
    twice = await client.post("/console/admin/model/rollback", data={"csrf": token, "model": OLD})
    assert twice.status == 400  # a double click does not roll forward again

    entries = web_services.audit.page(action="model")[0]
    assert [e.detail["kind"] for e in entries] == ["rollback", "activate", "retrain"]


async def test_keep_records_the_decision_and_loads_nothing(console, project):
    client, token, app, replicas = console
    new = await retrained(client, token, app)
    kept = await client.post("/console/admin/model/keep", data={"csrf": token, "model": new})
    assert f"Kept {OLD}; {new} was not loaded" in await kept.text()
    assert serving(replicas) == [OLD, OLD]
    assert (model_choice.read(project.models_dir).decision, setup.rasa_model(project)) == (
        "keep",
        project.models_dir / OLD,
    )


async def test_an_unreachable_replica_changes_nothing(console, project):
    client, token, app, replicas = console
    new = await retrained(client, token, app)
    await replicas[1].close()
    failed = await client.post("/console/admin/model/activate", data={"csrf": token, "model": new})
    down = app[SETTINGS].rasa_urls[1]
    assert f"Nothing changed: Rasa at {down} did not answer" in await failed.text()
    assert serving(replicas)[0] == OLD
    assert model_choice.read(project.models_dir) is None
    assert f"Activate {new}" in await (await client.get("/console/admin/model")).text()


async def test_a_replica_that_cannot_load_the_model_sends_the_others_back(
    aiohttp_client, aiohttp_server, web_services, project
):
    good, bad = await aiohttp_server(fake_rasa(OLD)), await aiohttp_server(fake_rasa(OLD, False))
    urls = tuple(str(r.make_url("")).rstrip("/") for r in (good, bad))
    settings = web_settings(
        urls[0], project.project_dir, models_dir=project.models_dir, nlu_dir=project.nlu_dir,
        rasa_replica_urls=urls,
    )  # fmt: skip
    app = create_app(settings, web_services)
    app[RETRAIN] = retrainer(settings)
    client = await aiohttp_client(app)
    web_services.agents.create("sam", "Sam", PASSWORD, role="admin")
    token = await login(client, "sam")
    new = await retrained(client, token, app)
    failed = await client.post("/console/admin/model/activate", data={"csrf": token, "model": new})
    assert f"could not load {new}" in await failed.text()
    assert "every replica serves its previous model" in await failed.text()
    assert serving([good, bad]) == [OLD, OLD]
    assert model_choice.read(project.models_dir) is None


async def test_the_model_page_is_for_admins_and_refuses_bad_input(console):
    client, token, app, _ = console
    for bad in ("../../etc/passwd", "csbot-x.tar.gz/..", "", "csbot-" + "a" * 200 + ".tar.gz"):
        response = await client.post(
            "/console/admin/model/activate", data={"csrf": token, "model": bad}
        )
        assert response.status == 400, bad
    not_trained = await client.post(
        "/console/admin/model/activate", data={"csrf": token, "model": OLD}
    )
    assert not_trained.status == 400 and "not the model of a finished retrain" in (
        await not_trained.text()
    )
    no_previous = await client.post(
        "/console/admin/model/rollback", data={"csrf": token, "model": OLD}
    )
    assert no_previous.status == 400
    assert (await client.post("/console/admin/model/retrain", data={})).status == 403  # no CSRF

    await client.post("/console/logout", data={"csrf": token})
    agent_token = await login(client, "alex")
    assert (await client.get("/console/admin/model")).status == 403
    assert (await client.get("/console/admin/model/status.json")).status == 403
    refused = await client.post("/console/admin/model/retrain", data={"csrf": agent_token})
    assert refused.status == 403 and app[RETRAIN].status()["state"] == "idle"


async def test_a_second_retrain_from_the_page_is_refused_with_a_message(console, tmp_path):
    client, token, app, _ = console
    release = tmp_path / "release"
    app[RETRAIN].command = training(WAITS, str(release))
    await client.post("/console/admin/model/retrain", data={"csrf": token})
    second = await client.post("/console/admin/model/retrain", data={"csrf": token})
    assert "a retrain is already running" in await second.text()
    release.touch()
    app[RETRAIN].wait(60)


def test_the_fast_test_config_differs_from_config_yml_only_in_epochs():
    import yaml

    real = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())
    fast = yaml.safe_load((PROJECT_ROOT / "tests" / "data" / "fast_config.yml").read_text())
    epochs = [c.pop("epochs") for c in fast["pipeline"] + fast["policies"] if "epochs" in c]
    for c in real["pipeline"] + real["policies"]:
        c.pop("epochs", None)
    assert epochs == [1, 1] and fast == real
