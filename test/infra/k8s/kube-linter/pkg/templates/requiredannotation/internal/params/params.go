package params

// Params represents the params accepted by this template.
type Params struct {

	// Key of the required label.
	// +required
	Key string

	// Value of the required label.
	Value string
}
