"""Every rule, once, in the order they run and are listed. Codes are stable: never reuse one."""

from pipeline.checks import Rule, disclosure, edition, feed, frontmatter, structure

RULES: list[Rule] = [
    frontmatter.unreadable,
    frontmatter.missing_field,
    frontmatter.invalid_value,
    frontmatter.unknown_field,
    edition.manifest_problem,
    structure.required_section_missing,
    disclosure.medical_disclaimer_missing,
    disclosure.advertorial_without_sponsor,
    feed.feed_item_changed,
]

BY_CODE: dict[str, Rule] = {r.code: r for r in RULES}
