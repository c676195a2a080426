package forge

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"strconv"

	lru "github.com/hashicorp/golang-lru/v2"
)

// ObjectCache holds immutable git data by SHA: blob contents, recursive tree
// listings, commits and the path lookups made at a commit. What a SHA names
// never changes, so one cache is safely shared by every snapshot and every
// Forge of the process. Blob contents are bounded by bytes, the rest by count.
// It also keeps hints about which proposal branches have an open pull
// request; a stale hint costs a call, never a wrong result.
type ObjectCache struct {
	branches *recentBranches
	blobs    *byteLRU[string]
	trees    *lru.Cache[string, *treeIndex]
	commits  *lru.Cache[string, commitInfo]
	paths    *lru.Cache[string, entry]
}

// commitInfo is what Stagehand needs of a commit object.
type commitInfo struct {
	Tree    string
	Parents []string
}

// entry is one tree entry, addressed by its full path.
type entry struct {
	Path string
	Mode string // git mode: 100644, 100755, 120000, 040000, 160000
	Type string // blob, tree or commit
	SHA  string
	Size int64 // -1 when unknown
}

// NewObjectCache returns an ObjectCache keeping at most maxBlobBytes of blob content.
func NewObjectCache(maxBlobBytes int64) *ObjectCache {
	return &ObjectCache{
		branches: newRecentBranches(),
		blobs:    newByteLRU[string](maxBlobBytes),
		trees:    mustLRU[string, *treeIndex](256),
		commits:  mustLRU[string, commitInfo](4096),
		paths:    mustLRU[string, entry](16384),
	}
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
