"""docs/rules.md, rendered from the rules themselves so the page never drifts from the code."""

from __future__ import annotations

from hflint.rules.registry import all_rules


def render_rules_page() -> str:
    rules = all_rules()
    lines = [
        "# hflint rules",
        "",
        "Generated from the rules' own docs (`python -m hflint.rules.catalogue_page > docs/rules.md`).",
        "",
        "| code | name | default severity | summary |",
        "| --- | --- | --- | --- |",
    ]
    lines += [
        f"| [{r.code}](#{r.code.lower()}) | {r.name} | {r.severity.value} | {r.summary} |"
        for r in rules
    ]
    for rule in rules:
        body = rule.docs().replace("\n## ", "\n### ").split("\n", 1)[1]
        # The heading is the code alone: its anchor (GitHub's slug, as editors' previews make
        # it too) is the `#hf101` every link to the rule ends with (Rule.url).
        lines += ["", f"## {rule.code}", "", f"Name: `{rule.name}`", body.rstrip()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_rules_page(), end="")
