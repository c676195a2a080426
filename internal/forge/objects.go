package forge

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// ObjectCache holds immutable git data by SHA: blob contents, recursive tree
// listings, commits and the path lookups made at a commit. What a SHA names
// never changes, so one cache is safely shared by every snapshot and every
// Forge of the process. Each kind is bounded by bytes (an estimate of what
// its values hold) and by entries, so many repositories, commits or large
// trees cannot grow it past its budget.
// It also keeps hints about which proposal branches have an open pull
// request; a stale hint costs a call, never a wrong result.
type ObjectCache struct {
	branches *recentBranches
	blobs    *byteLRU[string]
	trees    *sizedLRU[string, *treeIndex]
	commits  *sizedLRU[string, commitInfo]
	paths    *sizedLRU[string, entry]
}

// commitInfo is what Stagehand needs of a commit object.
type commitInfo struct {
	Tree    string
	Parents []string
	// Committed is the committer date; for a commit this process wrote
	// without a date, GitHub's own time of writing it.
	Committed time.Time
}

// entry is one tree entry, addressed by its full path.
type entry struct {
	Path string
	Mode string // git mode: 100644, 100755, 120000, 040000, 160000
	Type string // blob, tree or commit
	SHA  string
	Size int64 // -1 when unknown
}

// entryOverhead is what an entry costs beyond its strings: the struct,
// string headers, its map slot and its cache key.
const entryOverhead = 160

func (e entry) bytes() int64 {
	return int64(len(e.Path)+len(e.Mode)+len(e.Type)+len(e.SHA)) + entryOverhead
}

func (c commitInfo) bytes() int64 {
	n := int64(len(c.Tree)) + entryOverhead
	for _, p := range c.Parents {
		n += int64(len(p)) + 16
	}
	return n
}

// NewObjectCache returns an ObjectCache holding about maxBytes in all:
// half for blob contents, a quarter for tree listings, an eighth each for
// commits and path lookups.
func NewObjectCache(maxBytes int64) *ObjectCache {
	return &ObjectCache{
		branches: newRecentBranches(),
		blobs:    newByteLRU[string](maxBytes / 2),
		trees:    newSizedLRU[string](maxBytes/4, (*treeIndex).bytes),
		commits:  newSizedLRU[string](maxBytes/8, commitInfo.bytes),
		paths:    newSizedLRU[string](maxBytes/8, entry.bytes),
	}
}

// Bytes returns about how many bytes the cache holds, for metrics and tests.
func (c *ObjectCache) Bytes() int64 {
	return c.blobs.bytes() + c.trees.bytes() + c.commits.bytes() + c.paths.bytes()
}

func mustLRU[K comparable, V any](size int) *lru.Cache[K, V] {
	c, err := lru.New[K, V](size)
	if err != nil {
		panic(err) // only for a non-positive size
	}
	return c
}

// blob returns cached blob content.
func (c *ObjectCache) blob(sha string) ([]byte, bool) { return c.blobs.get(sha) }

// putBlob caches blob content under its SHA.
func (c *ObjectCache) putBlob(sha string, data []byte) { c.blobs.add(sha, data) }

// BlobSHA returns the git object name of a blob holding data.
func BlobSHA(data []byte) string {
	h := sha1.New()
	h.Write([]byte("blob " + strconv.Itoa(len(data)) + "\x00"))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// pathKey keys a path lookup at a commit of a repository.
func pathKey(repo Repo, commit, path string) string { return repo.String() + "@" + commit + ":" + path }

// treeKey keys a recursive listing of a commit or tree of a repository.
func treeKey(repo Repo, sha string) string { return repo.String() + "@" + sha }

func base64Encode(data []byte) string { return base64.StdEncoding.EncodeToString(data) }
