package githubsim

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Git object types, as git names them in object headers.
const (
	typeBlob   = "blob"
	typeTree   = "tree"
	typeCommit = "commit"
	typeTag    = "tag"
)

// Tree entry modes, spelled as git writes them inside tree objects.
const (
	ModeFile    = "100644"
	ModeExec    = "100755"
	ModeTree    = "40000"
	ModeSymlink = "120000"
)

// object is one git object: its type and its raw content (without header).
type object struct {
	typ  string
	data []byte
}

// hashObject returns the git object id of content of the given type.
func hashObject(typ string, data []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "%s %d\x00", typ, len(data))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// treeEntry is one entry of a git tree.
type treeEntry struct {
	Mode string
	Name string
	SHA  string
}

func (e treeEntry) isTree() bool { return e.Mode == ModeTree }

// sortKey orders entries the way git does: trees compare as if their name ended in "/".
func (e treeEntry) sortKey() string {
	if e.isTree() {
		return e.Name + "/"
	}
	return e.Name
}

// encodeTree serialises entries into a git tree object, sorting them git's way.
func encodeTree(entries []treeEntry) ([]byte, error) {
	sorted := append([]treeEntry(nil), entries...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].sortKey() < sorted[j].sortKey() })
	var buf bytes.Buffer
	// A tree "a" sorts as "a/", after "a.b": duplicates need not be neighbours.
	seen := make(map[string]bool, len(sorted))
	for _, e := range sorted {
		if seen[e.Name] {
			return nil, fmt.Errorf("duplicate tree entry %q", e.Name)
		}
		seen[e.Name] = true
		if e.Name == "" || strings.Contains(e.Name, "/") || e.Name == "." || e.Name == ".." || e.Name == ".git" {
			return nil, fmt.Errorf("invalid tree entry name %q", e.Name)
		}
		raw, err := hex.DecodeString(e.SHA)
		if err != nil || len(raw) != 20 {
			return nil, fmt.Errorf("tree entry %q: invalid sha %q", e.Name, e.SHA)
		}
		buf.WriteString(e.Mode)
		buf.WriteByte(' ')
		buf.WriteString(e.Name)
		buf.WriteByte(0)
		buf.Write(raw)
	}
	return buf.Bytes(), nil
}

// decodeTree parses a git tree object.
func decodeTree(data []byte) ([]treeEntry, error) {
	var out []treeEntry
	for len(data) > 0 {
		sp := bytes.IndexByte(data, ' ')
		if sp < 0 {
			return nil, fmt.Errorf("decode tree: missing mode separator")
		}
		nul := bytes.IndexByte(data[sp:], 0)
		if nul < 0 || sp+nul+21 > len(data) {
			return nil, fmt.Errorf("decode tree: truncated entry")
		}
		nul += sp
		out = append(out, treeEntry{
			Mode: string(data[:sp]),
			Name: string(data[sp+1 : nul]),
			SHA:  hex.EncodeToString(data[nul+1 : nul+21]),
		})
		data = data[nul+21:]
	}
	return out, nil
}

// Signature is a git author or committer line.
type Signature struct {
	Name  string
	Email string
	When  time.Time
}

func (s Signature) encode() string {
	_, off := s.When.Zone()
	sign := '+'
	if off < 0 {
		sign = '-'
		off = -off
	}
	return fmt.Sprintf("%s <%s> %d %c%02d%02d", s.Name, s.Email, s.When.Unix(), sign, off/3600, (off%3600)/60)
}

func parseSignature(line string) (Signature, error) {
	lt := strings.IndexByte(line, '<')
	gt := strings.IndexByte(line, '>')
	if lt < 0 || gt < lt {
		return Signature{}, fmt.Errorf("parse signature %q: missing email", line)
	}
	fields := strings.Fields(line[gt+1:])
	if len(fields) != 2 {
		return Signature{}, fmt.Errorf("parse signature %q: missing time", line)
	}
	secs, err := strconv.ParseInt(fields[0], 10, 64)
	if err != nil {
		return Signature{}, fmt.Errorf("parse signature %q: %w", line, err)
	}
	tz := fields[1]
	if len(tz) != 5 {
		return Signature{}, fmt.Errorf("parse signature %q: bad timezone", line)
	}
	hh, err1 := strconv.Atoi(tz[1:3])
	mm, err2 := strconv.Atoi(tz[3:5])
	if err1 != nil || err2 != nil {
		return Signature{}, fmt.Errorf("parse signature %q: bad timezone", line)
	}
	off := hh*3600 + mm*60
	if tz[0] == '-' {
		off = -off
	}
	return Signature{
		Name:  strings.TrimSpace(line[:lt]),
		Email: line[lt+1 : gt],
		When:  time.Unix(secs, 0).In(time.FixedZone("", off)),
	}, nil
}

// commitObj is a parsed git commit.
type commitObj struct {
	Tree      string
	Parents   []string
	Author    Signature
	Committer Signature
	Message   string
}

func encodeCommit(c commitObj) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "tree %s\n", c.Tree)
	for _, p := range c.Parents {
		fmt.Fprintf(&b, "parent %s\n", p)
	}
	fmt.Fprintf(&b, "author %s\n", c.Author.encode())
	fmt.Fprintf(&b, "committer %s\n", c.Committer.encode())
	b.WriteString("\n")
	b.WriteString(c.Message)
	return []byte(b.String())
}

func decodeCommit(data []byte) (commitObj, error) {
	var c commitObj
	head, msg, ok := strings.Cut(string(data), "\n\n")
	if !ok {
		head = strings.TrimSuffix(string(data), "\n")
	}
	c.Message = msg
	for _, line := range strings.Split(head, "\n") {
		key, val, _ := strings.Cut(line, " ")
		var err error
		switch key {
		case "tree":
			c.Tree = val
		case "parent":
			c.Parents = append(c.Parents, val)
		case "author":
			c.Author, err = parseSignature(val)
		case "committer":
			c.Committer, err = parseSignature(val)
		}
		if err != nil {
			return c, fmt.Errorf("decode commit: %w", err)
		}
	}
	if c.Tree == "" {
		return c, fmt.Errorf("decode commit: no tree line")
	}
	return c, nil
}

// validSHA reports whether s is a full lowercase hex object id.
func validSHA(s string) bool {
	if len(s) != 40 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}
