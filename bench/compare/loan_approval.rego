# The loan-approval policy (deploy/examples/policies/loan-approval/1.2.0/policy.json) in Rego, with the same
# semantics: first matching rule wins (flagged → reject, credit_score < 550 → reject, amount > 50000 in IN →
# manual_review with override, otherwise approve), and the same signal validation (types, ranges, enum).
package parmana.loan_approval

import rego.v1

valid if {
	is_number(input.signals.credit_score)
	input.signals.credit_score == floor(input.signals.credit_score)
	input.signals.credit_score >= 300
	input.signals.credit_score <= 900
	input.signals.country in {"IN", "US"}
	is_boolean(input.signals.flagged)
	is_number(input.signals.amount)
	input.signals.amount >= 0
	note_ok
}

note_ok if not input.signals.applicant_note

note_ok if {
	is_string(input.signals.applicant_note)
	count(input.signals.applicant_note) <= 280
}

decision := {"valid": false, "error": "VALIDATION_FAILED"} if not valid

decision := {"valid": true, "action": "reject", "rule": "flagged", "requires_override": false, "reason": "flagged"} if {
	valid
	input.signals.flagged == true
}

decision := {"valid": true, "action": "reject", "rule": "low-credit", "requires_override": false, "reason": "credit score below 550"} if {
	valid
	input.signals.flagged == false
	input.signals.credit_score < 550
}

decision := {"valid": true, "action": "manual_review", "rule": "large", "requires_override": true, "reason": "large amount"} if {
	valid
	input.signals.flagged == false
	input.signals.credit_score >= 550
	input.signals.amount > 50000
	input.signals.country == "IN"
}

decision := {"valid": true, "action": "approve", "rule": "default", "requires_override": false, "reason": "default"} if {
	valid
	input.signals.flagged == false
	input.signals.credit_score >= 550
	not large
}

large if {
	input.signals.amount > 50000
	input.signals.country == "IN"
}
