"""Every rule, once, in the order they run and are listed. Codes are stable: never reuse one."""

from pipeline.checks import (
    Rule,
    attribution,
    claims,
    disclosure,
    edition,
    frontmatter,
    readability,
    regulatory,
    structure,
    style,
)

RULES: list[Rule] = [
    frontmatter.unreadable,
    frontmatter.missing_field,
    frontmatter.invalid_value,
    frontmatter.unknown_field,
    edition.manifest_problem,
    structure.required_section_missing,
    disclosure.medical_disclaimer_missing,
    disclosure.sponsor_label_missing,
    disclosure.advertorial_without_sponsor,
    disclosure.material_connection_undisclosed,
    claims.health_claim_uncited,
    claims.vague_study_reference,
    claims.establishment_claim_uncited,
    claims.absolute_efficacy_language,
    claims.benefits_without_harms,
    claims.unattributed_first_person_finding,
    regulatory.off_label_without_status,
    regulatory.compounded_without_status,
    regulatory.prescription_drug_without_prescriber,
    attribution.byline_not_a_person,
    attribution.references_missing,
    attribution.reference_unresolvable,
    style.generic_name_capitalized,
    style.error_prone_dose,
    readability.reading_grade_above_target,
    readability.long_sentence,
    style.stigmatizing_language,
]

BY_CODE: dict[str, Rule] = {r.code: r for r in RULES}
