package githubsim

import (
	"strconv"
	"sync"
)

// Calls is a snapshot of the API calls a simulator has served.
type Calls struct {
	// ByOperation counts calls by GitHub operationId, e.g. "git/create-tree".
	ByOperation map[string]int
	// Reads and Writes split the calls by whether the operation changes state.
	Reads, Writes int
	// NotModified counts conditional GETs answered 304 (they are included in Reads).
	NotModified int
	// Injected counts calls answered by an injected fault.
	Injected int
	// Archives counts repository archives downloaded from the links the
	// tarball operation hands out. The download is not an API call and
	// not in Reads: GitHub serves it from another host, outside the rate
	// limit.
	Archives int
	// Log lists every call in order as "operationId status", e.g. "git/create-tree 201".
	Log []string
}

// Total is the number of calls, reads and writes together.
func (c Calls) Total() int { return c.Reads + c.Writes }

// callLog accumulates Calls under its own lock.
type callLog struct {
	mu sync.Mutex
	c  Calls
}

func (l *callLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.c = Calls{ByOperation: map[string]int{}}
}

func (l *callLog) count(op string, write bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.c.ByOperation[op]++
	if write {
		l.c.Writes++
	} else {
		l.c.Reads++
	}
}

func (l *callLog) logged(op string, status int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.c.Log = append(l.c.Log, op+" "+strconv.Itoa(status))
}

func (l *callLog) notModified() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.c.NotModified++
}

func (l *callLog) archive() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.c.Archives++
}

func (l *callLog) injected() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.c.Injected++
}

// Calls returns a snapshot of the call counts since the last ResetCalls.
func (s *Sim) Calls() Calls {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	out := s.calls.c
	out.ByOperation = make(map[string]int, len(s.calls.c.ByOperation))
	for k, v := range s.calls.c.ByOperation {
		out.ByOperation[k] = v
	}
	out.Log = append([]string(nil), s.calls.c.Log...)
	return out
}

// ResetCalls zeroes the call counts.
func (s *Sim) ResetCalls() { s.calls.reset() }
