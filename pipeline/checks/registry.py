"""Every rule, once, in the order they run and are listed. Codes are stable: never reuse one."""

from pipeline.checks import (
    Rule,
    disclosure,
    edition,
    frontmatter,
    hygiene,
    links,
    media,
    structure,
    suppression,
)

RULES: list[Rule] = [
    frontmatter.unreadable,
    frontmatter.missing_field,
    frontmatter.invalid_value,
    frontmatter.unknown_field,
    edition.manifest_problem,
    structure.required_section_missing,
    structure.heading_level_skipped,
    structure.section_without_heading,
    structure.empty_section,
    hygiene.site_chrome,
    hygiene.scraped_metadata,
    hygiene.truncated_ending,
    hygiene.placeholder,
    hygiene.duplicate_paragraph,
    hygiene.unbalanced_pair,
    links.invalid_phone,
    links.dangling_call_to_action,
    media.image_without_alt,
    media.image_missing,
    media.image_resolution_low,
    disclosure.medical_disclaimer_missing,
    disclosure.advertorial_without_sponsor,
    suppression.bad_suppression,
]

BY_CODE: dict[str, Rule] = {r.code: r for r in RULES}
