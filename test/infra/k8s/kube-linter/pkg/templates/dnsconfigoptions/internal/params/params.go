package params

// Params represents the params accepted by this template.
type Params struct {

	// Key of the dnsConfig option.
	Key string

	// Value of the dnsConfig option.
	Value string
}
