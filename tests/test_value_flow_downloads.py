"""`path = snapshot_download(repo)`: the folder is the Hub repository `repo` at the revision
the download asked for, wherever it is loaded from; not a trusted local folder."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest
from rule_checks import findings

from hflint.analyzers.collector import collect
from hflint.analyzers.facts import ModuleFacts
from hflint.analyzers.values import Const

SHA = "0123456789abcdef0123456789abcdef01234567"


def facts_of(code: str) -> ModuleFacts:
    return collect(cst.parse_module(textwrap.dedent(code)))


def test_the_returned_path_is_the_repository() -> None:
    facts = facts_of(
        """
        from huggingface_hub import snapshot_download
        from transformers import AutoModelForCausalLM
        path = snapshot_download("microsoft/Florence-2-large")
        model = AutoModelForCausalLM.from_pretrained(path, trust_remote_code=True)
        """
    )
    [obj] = facts.objects
    assert obj.checkpoint == Const("microsoft/Florence-2-large")
    assert obj.downloaded is not None and obj.downloaded.revision is None
    assert not obj.downloaded.pinned


def test_a_named_folder_is_the_repository_where_it_is_loaded() -> None:
    facts = facts_of(
        """
        import os
        from huggingface_hub import snapshot_download
        from transformers import AutoModelForCausalLM

        def loadmodel(model="microsoft/Florence-2-large"):
            model_path = os.path.join("models", "LLM", model.rsplit("/", 1)[-1])
            if not os.path.exists(model_path):
                snapshot_download(repo_id=model, local_dir=model_path, revision="main")
            return AutoModelForCausalLM.from_pretrained(model_path, trust_remote_code=True)
        """
    )
    [obj] = facts.objects
    assert isinstance(obj.checkpoint, Const)
    assert obj.checkpoint.value == "microsoft/Florence-2-large"
    assert obj.checkpoint.overridable  # the repository is the parameter's default
    assert obj.downloaded is not None and obj.downloaded.revision == Const("main")


@pytest.mark.parametrize(
    "load",
    [
        # pinned: the folder holds what that commit held
        f'path = snapshot_download("org/custom", revision="{SHA}")\nload(path)',
        f'snapshot_download("org/custom", local_dir="ckpt", revision="{SHA}")\nload("ckpt")',
        # a path inside the folder is no repository
        'path = snapshot_download("org/custom")\nload(os.path.join(path, "sub"))',
        # another folder
        'snapshot_download("org/custom", local_dir="ckpt")\nload("other")',
    ],
)
def test_folders_that_are_not_the_moving_repository(load: str) -> None:
    code = (
        "import os\n"
        "from huggingface_hub import snapshot_download\n"
        "from transformers import AutoModel\n"
        "def load(p):\n"
        "    return AutoModel.from_pretrained(p, trust_remote_code=True)\n"
    )
    facts = collect(cst.parse_module(code + load + "\n"))
    [obj] = facts.objects
    assert obj.downloaded is None
    assert obj.checkpoint != Const("org/custom")


def test_hf_hub_download_of_a_repository_file() -> None:
    facts = facts_of(
        """
        from huggingface_hub import hf_hub_download
        from transformers import AutoModel
        weights = hf_hub_download(repo_id="org/custom", filename="model.safetensors")
        model = AutoModel.from_pretrained(weights)
        """
    )
    [obj] = facts.objects
    assert obj.checkpoint == Const("org/custom") and obj.downloaded is not None


def test_remote_code_from_a_downloaded_folder_is_reported() -> None:
    code = """
    from huggingface_hub import snapshot_download
    from transformers import AutoModelForCausalLM
    path = snapshot_download("someorg/custom-arch")
    model = AutoModelForCausalLM.from_pretrained(path, trust_remote_code=True)
    """
    [finding] = findings(code, "HF951")
    assert finding.range.start.line == 5
    pinned = code.replace('"someorg/custom-arch"', f'"someorg/custom-arch", revision="{SHA}"')
    assert not findings(pinned, "HF951")
