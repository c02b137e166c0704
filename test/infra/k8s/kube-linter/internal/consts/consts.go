package consts

const (
	// ProgramName is for displaying help, etc.
	ProgramName = "kube-linter"
	// MainURL is where the project info can be found.
	MainURL = "https://github.com/stackrox/kube-linter"
	// TemplateURLFormat when formatted with template id, provides help link for the given template.
	TemplateURLFormat = "https://docs.kubelinter.io/#/generated/templates?id=%s"
)
