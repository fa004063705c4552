"""The hypothesis form in a real browser: JupyterLab, headless Chromium, Playwright.

A user opens the rendered ``hypothesis`` template, runs all cells, fills the form, adds
segments and clicks Save; the record must then be in the YAML registry with the typed
values. A small stand-in form with the same CSS classes (``hk-field-<name>``,
``hk-segment``, ``hk-add-segment``, ``hk-save``, ``hk-messages``, ``hk-error-<name>``)
checks the server, browser and notebook machinery on its own; a button whose click
raises checks that such an error is seen, though JupyterLab shows it in no cell.

Screenshots (the filled form after saving, the page on failure) go to
``$HYPOKIT_TEST_ARTIFACTS`` or ``test-artifacts/``. Without Playwright or Chromium the
tests skip, except under CI (``$CI`` set), where they fail.
"""

import datetime as dt
import re
from pathlib import Path

import nbformat
import pytest

import hypokit as hk
from hypokit._templates import new_notebook
from tests import _browser
from tests._browser import (
    JupyterLab,
    cell_errors,
    chromium_browser,
    kernel_barrier,
    kernel_errors,
    new_page,
    open_notebook,
    require_browser,
    run_all_cells,
    screenshot,
    set_field,
    watch_kernel,
)

# Each notebook saves to its own registry, relative to the server's root (the notebooks'
# folder).
NOTEBOOKS = {"stand-in-form": "stand-in-registry", "hypothesis-form": "registry"}

# A stand-in for hypokit.widgets.HypothesisForm with the same CSS classes: it checks the
# browser machinery whatever the real form does.
STAND_IN_FORM = """\
import ipywidgets as w
import pydantic

import hypokit as hk
from hypokit._records import describe_errors

registry = hk.Registry(registry_path)
fields = {name: w.Text(description=name) for name in ["id", "title", "metric", "outcome"]}
fields["change"] = w.Textarea(description="change")
fields["direction"] = w.Dropdown(options=["increase", "decrease"], description="direction")
fields["expected_effect"] = w.BoundedFloatText(value=0.1, min=0, max=10, step=0.01)
fields["relative"] = w.Checkbox(value=True, description="relative")
fields["time_frame_days"] = w.BoundedIntText(value=14, min=0, max=365)
fields["audience"] = w.Text(value="customers", description="audience")
fields["because"] = w.Textarea(description="because")
fields["objective"] = w.Dropdown(
    options=[("(choose)", None)] + [(o.id, o.id) for o in registry.records(hk.Objective)]
)
fields["key_result"] = w.Dropdown(options=[("(none)", None)])
fields["learnings"] = w.SelectMultiple(options=[x.id for x in registry.records(hk.Learning)])


def show_key_results(change):
    fields["key_result"].options = [("(none)", None)] + [
        (k.id, k.id) for k in registry.records(hk.KeyResult) if k.objective == change["new"]
    ]


fields["objective"].observe(show_key_results, "value")
errors = {name: w.Label() for name in [*fields, "criteria"]}
for name, widget in fields.items():
    widget.add_class(f"hk-field-{name}")
    errors[name].add_class(f"hk-error-{name}")
segments = w.VBox()
add_segment = w.Button(description="Add segment")
add_segment.add_class("hk-add-segment")


def on_add(_):
    name, min_effect = w.Text(description="segment"), w.BoundedFloatText(value=0.0, max=10)
    name.add_class("hk-field-segment")
    min_effect.add_class("hk-field-min_effect")
    row = w.HBox([name, min_effect])
    row.add_class("hk-segment")
    segments.children = [*segments.children, row]


add_segment.on_click(on_add)
preview = w.HTML()
preview.add_class("hk-preview")
save = w.Button(description="Save")
save.add_class("hk-save")
messages = w.Output()
messages.add_class("hk-messages")


def values():
    out = {n: f.value for n, f in fields.items() if n != "objective"}
    out["learnings"] = list(out["learnings"])
    out["criteria"] = [
        {"segment": row.children[0].value, "min_effect": row.children[1].value}
        for row in segments.children
    ]
    return out


def on_save(_):
    messages.clear_output()
    for label in errors.values():
        label.value = ""
    try:
        record = hk.Hypothesis.model_validate(values())
        preview.value = record.statement
    except pydantic.ValidationError as exc:
        for loc, message in describe_errors(exc, hk.Hypothesis):
            errors.get(str(loc[0]), errors["id"]).value = message
        with messages:
            print("Not saved: fix the fields marked.")
        return
    path = registry.save(record)
    with messages:
        print(f"Saved {path.relative_to(registry.path).as_posix()}")


save.on_click(on_save)
form = w.VBox(
    [w.VBox([fields[n], errors[n]]) for n in fields]
    + [segments, add_segment, errors["criteria"], preview, save, messages]
)
form.add_class("hk-hypothesis-form")
form
"""

# What the user types: the registry holds the objective, key result and learning named.
TYPED = {
    "objective": "uploads-published",
    "key_result": "kr-uploads-published",
    "title": "Batch the ready notices",
    "id": "batch-ready-notices",
    "metric": "hours_to_publish",
    "outcome": "the hours from upload to publishing",
    "direction": "decrease",
    "expected_effect": 0.12,
    "time_frame_days": 21,
    "audience": "uploaders",
    "because": "one notice per batch is read, many notices are muted",
    "learnings": ["pros-wait-for-hd"],
}
CHANGE = "send one notice when a batch of uploads is ready instead of one per upload"
SEGMENTS = [("casual", 0.05), ("professional", 0.03)]


def _registry(folder: Path) -> hk.Registry:
    registry = hk.Registry(folder)
    registry.save(
        hk.Objective(
            id="uploads-published",
            title="Uploads are published",
            start=dt.date(2026, 10, 1),
            end=dt.date(2027, 3, 31),
        )
    )
    registry.save(
        hk.KeyResult(
            id="kr-uploads-published",
            objective="uploads-published",
            title="Uploads published within a day from 38% to 45%",
            metric="published",
            baseline=0.38,
            target=0.45,
            deadline=dt.date(2027, 3, 31),
        )
    )
    registry.save(
        hk.Learning(
            id="pros-wait-for-hd",
            believed="creators publish as soon as a video is playable",
            observed="82% of professional uploads are published after the HD rendition",
            learned="professional creators wait for full quality before publishing",
            decision="pivot",
            evidence=[hk.Evidence(kind="analytics", sample_size=4100, segment="professional")],
            segments=["professional"],
            recorded=dt.date(2026, 10, 12),
            expires=dt.date(2027, 4, 1),
        )
    )
    return registry


def _notebook(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    nb.cells = [nbformat.v4.new_code_cell(code) for code in cells]
    nbformat.write(nb, path)
    return path


def _stand_in_notebook(path: Path, registry: str) -> Path:
    return _notebook(path, f"registry_path = {registry!r}", STAND_IN_FORM)


# A button whose click raises: JupyterLab shows the traceback in no cell.
RAISING_BUTTON = """\
import ipywidgets as w

button = w.Button(description="Fail")
button.add_class("hk-fail")


def fail(_):
    raise RuntimeError("the click failed")


button.on_click(fail)
button
"""


#: Notebooks where every field gets a value it cannot use, and their (empty) registry.
BAD_INPUT_NOTEBOOKS = {"hypothesis": "hypothesis-bad-input", "sizing": "sizing-bad-input"}
BAD_REGISTRY = "bad-input-registry"


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """The server's root: a registry and the notebooks that use it."""
    folder = tmp_path_factory.mktemp("lab")
    for registry in NOTEBOOKS.values():
        _registry(folder / registry)
    _stand_in_notebook(folder / "stand-in-form.ipynb", NOTEBOOKS["stand-in-form"])
    _notebook(folder / "raising-button.ipynb", RAISING_BUTTON)
    # Written from the server's root, as `hypokit new` is run: the notebook reads its
    # relative paths from the folder it was written in.
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        new_notebook(
            "hypothesis",
            "hypothesis-form",
            {"registry_path": NOTEBOOKS["hypothesis-form"]},
            folder=folder,
        )
        for kind, name in BAD_INPUT_NOTEBOOKS.items():
            (folder / BAD_REGISTRY).mkdir(exist_ok=True)
            new_notebook(kind, name, {"registry_path": BAD_REGISTRY}, folder=folder)
    return folder


@pytest.fixture(scope="module")
def chromium():
    return require_browser()


@pytest.fixture(scope="module")
def lab(root, chromium, tmp_path_factory):
    with JupyterLab(root, tmp_path_factory.mktemp("jupyter")) as server:
        yield server


@pytest.fixture(scope="module")
def browser(chromium):
    with chromium_browser(chromium) as browser:
        yield browser


@pytest.fixture
def page(browser, lab, request):
    page = new_page(browser)
    failed = request.session.testsfailed
    try:
        yield page
    finally:
        if request.session.testsfailed > failed:  # this test failed: keep what it saw
            name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)
            screenshot(page, f"{name}-failure.png")
            print(lab.log()[-4000:])
        page.context.close()


def _fill_and_save(page, lab, root, notebook):
    from playwright.sync_api import expect

    registry = root / NOTEBOOKS[notebook]
    path = f"{notebook}.ipynb"
    open_notebook(page, lab, path)
    watch_kernel(page, path)
    run_all_cells(page, path)
    assert cell_errors(page, path) == []
    form = page.locator(".hk-hypothesis-form").first
    expect(form).to_be_visible(timeout=15_000)

    for name, value in TYPED.items():
        set_field(form, name, value)
    for i, (segment, min_effect) in enumerate(SEGMENTS):
        rows = form.locator(".hk-segment")
        if rows.count() <= i:
            form.locator(".hk-add-segment").first.click()
            expect(rows).to_have_count(i + 1)
        set_field(rows.nth(i), "segment", segment)
        set_field(rows.nth(i), "min_effect", min_effect)
    saved = registry / "hypotheses" / f"{TYPED['id']}.yaml"
    save = form.locator(".hk-save").first

    # An empty change is refused next to its field, and nothing is written.
    set_field(form, "change", "")
    save.click()
    kernel_barrier(page, path)
    expect(form.locator(".hk-error-change").first).to_contain_text(re.compile(r"\w"))
    assert not saved.exists()
    assert TYPED["id"] not in hk.Registry(registry)

    set_field(form, "change", CHANGE)
    save.click()
    kernel_barrier(page, path)
    messages = form.locator(".hk-messages").first
    preview = form.locator(".hk-preview").first
    expect(messages).to_contain_text(re.compile(rf"{re.escape(TYPED['id'])}\.ya?ml"))
    # The whole form in view for the screenshot: the notebook scrolls inside the page.
    height = form.evaluate("e => e.getBoundingClientRect().height")
    page.set_viewport_size({"width": 1280, "height": max(1000, int(height) + 400)})
    form.scroll_into_view_if_needed()
    screenshot(form, f"{notebook}-saved.png")

    assert saved.is_file()
    h = hk.Registry(registry).get(TYPED["id"], hk.Hypothesis)
    assert h.change == CHANGE
    for name in ("title", "metric", "outcome", "direction", "audience", "because"):
        assert getattr(h, name) == TYPED[name], name
    assert h.expected_effect == pytest.approx(TYPED["expected_effect"])
    assert h.relative is True
    assert h.time_frame_days == TYPED["time_frame_days"]
    assert h.key_result == TYPED["key_result"]
    assert list(h.learnings) == TYPED["learnings"]
    assert [(c.segment, c.min_effect) for c in h.criteria] == [
        (s, pytest.approx(m)) for s, m in SEGMENTS
    ]
    # The preview shows the statement of what was saved.
    assert " ".join(h.statement.split()) in " ".join(preview.inner_text().split())
    # No click raised in the kernel (a callback's traceback shows in no cell).
    assert kernel_errors(page, path) == []


@pytest.mark.slow
def test_stand_in_form_saves_a_hypothesis_from_the_browser(page, lab, root):
    _fill_and_save(page, lab, root, "stand-in-form")


@pytest.mark.slow
def test_hypothesis_template_form_saves_a_hypothesis_from_the_browser(page, lab, root):
    _fill_and_save(page, lab, root, "hypothesis-form")


@pytest.mark.slow
def test_a_click_that_raises_is_seen_though_no_cell_shows_it(page, lab):
    path = "raising-button.ipynb"
    open_notebook(page, lab, path)
    watch_kernel(page, path)
    run_all_cells(page, path)
    assert kernel_errors(page, path) == []
    page.locator(".hk-fail").first.click()
    kernel_barrier(page, path)
    assert cell_errors(page, path) == []
    assert kernel_errors(page, path) == ["RuntimeError: the click failed"]


@pytest.mark.parametrize("ci", ["1", "true"])
def test_a_missing_browser_fails_under_ci(monkeypatch, ci):
    monkeypatch.setattr(_browser, "chromium_path", lambda: None)
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match=r"Chromium .*CI is set"):
        _browser.require_browser()


@pytest.mark.parametrize("ci", [None, "", "0", "false"])
def test_a_missing_browser_skips_outside_ci(monkeypatch, ci):
    monkeypatch.setattr(_browser, "chromium_path", lambda: None)
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="Chromium"):
        _browser.require_browser()


def _opened(page, lab, notebook):
    from playwright.sync_api import expect

    path = f"{notebook}.ipynb"
    open_notebook(page, lab, path)
    watch_kernel(page, path)
    run_all_cells(page, path)
    assert cell_errors(page, path) == []
    expect(page.locator(".hk-messages").first).to_be_attached(timeout=15_000)
    return path


#: (field, what is typed, the message beside the field); then the field is set back.
SIZING_BAD = [
    ("alpha", "five percent", "alpha == 'five percent', must be a number."),
    ("alpha", "1.5", "alpha == 1.5, must be in (0, 1)"),
    ("power", "", "power is empty; type a number."),
    ("arms", "1", "arms == 1, must be at least 2."),
    ("ratio", "-1", "allocation ratio == -1.0, must be greater than 0."),
]


def test_the_sizing_panel_names_every_bad_value_beside_its_field(page, lab, root):
    from playwright.sync_api import expect

    path = _opened(page, lab, BAD_INPUT_NOTEBOOKS["sizing"])
    panel = page.locator(".hk-sizing-panel").first
    expect(panel).to_be_visible(timeout=15_000)
    for name, typed, message in SIZING_BAD:
        box = panel.locator(f".hk-field-{name}").first
        before = box.locator("input").first.input_value()
        set_field(panel, name, typed)
        kernel_barrier(page, path)
        expect(panel.locator(f".hk-error-{name}").first).to_contain_text(message)
        assert box.locator("input").first.input_value() == typed  # never reset or clamped
        set_field(panel, name, before)
        kernel_barrier(page, path)
        expect(panel.locator(f".hk-error-{name}").first).to_have_text("")
    assert kernel_errors(page, path) == []
    assert not any((root / BAD_REGISTRY).rglob("*.yaml"))


#: What a hurried product manager types in the hypothesis form.
FORM_BAD = {
    "id": "Express Pay!",
    "change": "",
    "metric": "",
    "expected_effect": "a lot",
    "time_frame_days": "two weeks",
}


def test_the_hypothesis_form_names_every_bad_value_and_saves_nothing(page, lab, root):
    from playwright.sync_api import expect

    path = _opened(page, lab, BAD_INPUT_NOTEBOOKS["hypothesis"])
    form = page.locator(".hk-hypothesis-form").first
    expect(form).to_be_visible(timeout=15_000)
    for name, value in FORM_BAD.items():
        set_field(form, name, value)
    form.locator(".hk-save").first.click()
    kernel_barrier(page, path)
    for name in FORM_BAD:
        expect(form.locator(f".hk-error-{name}").first).to_contain_text(re.compile(r"\w"))
    expect(form.locator(".hk-error-expected_effect").first).to_contain_text(
        "'a lot' is not a number"
    )
    assert kernel_errors(page, path) == []
    assert not any((root / BAD_REGISTRY).rglob("*.yaml"))
