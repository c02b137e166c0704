// tlogcheck verifies Parmana's signed checkpoints and Merkle proofs with Go's own implementation —
// golang.org/x/mod/sumdb/note (C2SP signed notes) and golang.org/x/mod/sumdb/tlog (RFC 6962/9162 trees) —
// so that the tests check test/../src/crypto against an independent implementation, not against itself.
//
// Input (stdin, JSON): {"vkey", "note", "inclusion": [{"index", "data"?, "leafHash", "proof"}],
// "consistency": [{"oldSize", "oldRoot", "proof"}]}, hashes and data base64. Output (stdout, JSON): per check
// "ok" or the error, in input order; exit status 0 when every check was evaluated (a failed check is a result).
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type inclusion struct {
	Index    int64    `json:"index"`
	Data     *string  `json:"data"`
	LeafHash string   `json:"leafHash"`
	Proof    []string `json:"proof"`
}

type consistency struct {
	OldSize int64    `json:"oldSize"`
	OldRoot string   `json:"oldRoot"`
	Proof   []string `json:"proof"`
}

type input struct {
	Vkey        string        `json:"vkey"`
	Note        string        `json:"note"`
	Inclusion   []inclusion   `json:"inclusion"`
	Consistency []consistency `json:"consistency"`
}

type output struct {
	Note        string   `json:"note"`
	Origin      string   `json:"origin"`
	Size        int64    `json:"size"`
	Inclusion   []string `json:"inclusion"`
	Consistency []string `json:"consistency"`
}

func hash(text string) (tlog.Hash, error) {
	var h tlog.Hash
	b, err := base64.StdEncoding.DecodeString(text)
	if err != nil || len(b) != tlog.HashSize {
		return h, fmt.Errorf("not a base64 SHA-256 hash: %q", text)
	}
	copy(h[:], b)
	return h, nil
}

func hashes(texts []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, 0, len(texts))
	for _, t := range texts {
		h, err := hash(t)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

func result(err error) string {
	if err != nil {
		return err.Error()
	}
	return "ok"
}

// checkpoint parses the C2SP tlog-checkpoint body: origin, size, base64 root, then extension lines.
func checkpoint(text string) (string, int64, tlog.Hash, error) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		return "", 0, tlog.Hash{}, errors.New("a checkpoint has at least three lines")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		return "", 0, tlog.Hash{}, fmt.Errorf("bad tree size %q", lines[1])
	}
	root, err := hash(lines[2])
	return lines[0], size, root, err
}

func checkInclusion(c inclusion, size int64, root tlog.Hash) error {
	leaf, err := hash(c.LeafHash)
	if err != nil {
		return err
	}
	if c.Data != nil {
		data, err := base64.StdEncoding.DecodeString(*c.Data)
		if err != nil {
			return err
		}
		if tlog.RecordHash(data) != leaf {
			return errors.New("the leaf hash is not tlog.RecordHash of the data")
		}
	}
	proof, err := hashes(c.Proof)
	if err != nil {
		return err
	}
	return tlog.CheckRecord(tlog.RecordProof(proof), size, root, c.Index, leaf)
}

func checkConsistency(c consistency, size int64, root tlog.Hash) error {
	old, err := hash(c.OldRoot)
	if err != nil {
		return err
	}
	proof, err := hashes(c.Proof)
	if err != nil {
		return err
	}
	return tlog.CheckTree(tlog.TreeProof(proof), size, root, c.OldSize, old)
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Fprintln(os.Stderr, "tlogcheck: bad input:", err)
		os.Exit(2)
	}
	out := output{Inclusion: []string{}, Consistency: []string{}}
	verifier, err := note.NewVerifier(in.Vkey)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlogcheck: bad verifier key:", err)
		os.Exit(2)
	}
	opened, err := note.Open([]byte(in.Note), note.VerifierList(verifier))
	out.Note = result(err)
	if err == nil {
		var size int64
		var root tlog.Hash
		out.Origin, size, root, err = checkpoint(opened.Text)
		out.Size = size
		if err != nil {
			out.Note = err.Error()
		} else {
			for _, c := range in.Inclusion {
				out.Inclusion = append(out.Inclusion, result(checkInclusion(c, size, root)))
			}
			for _, c := range in.Consistency {
				out.Consistency = append(out.Consistency, result(checkConsistency(c, size, root)))
			}
		}
	}
	var buf bytes.Buffer
	_ = json.NewEncoder(&buf).Encode(out)
	_, _ = os.Stdout.Write(buf.Bytes())
}
