package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/sirupsen/logrus"

	// The registry keeps its blobs and manifests in memory.
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"

	"github.com/stagehand-gitops/stagehand/internal/policy"
	"github.com/stagehand-gitops/stagehand/internal/promote"
	"github.com/stagehand-gitops/stagehand/internal/registry"
)

// localRegistry is a CNCF Distribution registry on a loopback listener,
// with in-memory storage, whose notifications go to Stagehand's registry
// webhook route. It answers to any address but reports itself as host in
// its notifications, so that images keep the names the config repository
// gives them (registry.demo.local/acme/order-service), as a registry
// behind a DNS name does.
type localRegistry struct {
	host string // the name it reports
	addr string // where it listens
	app  *handlers.App
	srv  *http.Server
}

func startRegistry(host, notifyURL, token string) (*localRegistry, error) {
	// Distribution logs every request through logrus' standard logger;
	// the sandbox's output is the story and Stagehand's log.
	logrus.SetOutput(io.Discard)
	cfg := &configuration.Configuration{
		Storage: configuration.Storage{
			"inmemory":    configuration.Parameters{},
			"maintenance": configuration.Parameters{"uploadpurging": map[any]any{"enabled": false}},
		},
		Notifications: configuration.Notifications{Endpoints: []configuration.Endpoint{{
			Name:      "stagehand",
			URL:       notifyURL,
			Headers:   http.Header{"Authorization": {"Bearer " + token}},
			Timeout:   5 * time.Second,
			Threshold: 5,
			Backoff:   100 * time.Millisecond,
		}}},
	}
	cfg.HTTP.Secret = randomHex(16)
	// Relative URLs keep upload locations on whatever address a client
	// used; the notifications then name the host from the request.
	cfg.HTTP.RelativeURLs = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("sandbox: registry listen: %w", err)
	}
	r := &localRegistry{host: host, addr: ln.Addr().String(), app: handlers.NewApp(context.Background(), cfg)}
	r.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		req.Host = r.host
		r.app.ServeHTTP(w, req)
	})}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

func (r *localRegistry) close() {
	_ = r.srv.Close()
	_ = r.app.Shutdown()
}

// transport reaches the registry under its reported name, the way DNS
// would: Stagehand confirms registry events through it.
func (r *localRegistry) transport() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	var d net.Dialer
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if h, _, err := net.SplitHostPort(addr); err == nil && strings.EqualFold(h, r.host) {
			addr = r.addr
		}
		return d.DialContext(ctx, network, addr)
	}
	return t
}

// Push writes a small image for repository:tag to the registry with
// go-containerregistry, as a CI job would, and returns its digest. The
// image is a function of repository and tag, so a push is reproducible.
// repository is the path without the registry host ("acme/order-service").
func (s *Sandbox) Push(ctx context.Context, repository, tag string) (string, error) {
	ref, err := name.ParseReference(s.reg.addr+"/"+repository+":"+tag, name.Insecure)
	if err != nil {
		return "", fmt.Errorf("push %s:%s: %w", repository, tag, err)
	}
	img, err := demoImage(repository, tag)
	if err != nil {
		return "", fmt.Errorf("push %s:%s: %w", repository, tag, err)
	}
	if err := remote.Write(ref, img, remote.WithContext(ctx)); err != nil {
		return "", fmt.Errorf("push %s: %w", ref, err)
	}
	d, err := img.Digest()
	if err != nil {
		return "", fmt.Errorf("push %s: %w", ref, err)
	}
	return d.String(), nil
}

func demoImage(repository, tag string) (v1.Image, error) {
	layer := static.NewLayer([]byte(repository+" "+tag+"\n"), types.OCILayer)
	img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), layer)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Config.Labels = map[string]string{registry.LabelSource: "https://github.com/" + repository}
	return mutate.ConfigFile(img, cf)
}

// policyHost finds the registry host most of the seeded policy's images
// live on: the in-process registry takes that name.
func policyHost(seed fs.FS) (string, error) {
	pol, err := seedPolicy(seed)
	if err != nil {
		return "", err
	}
	count := map[string]int{}
	for _, row := range promote.Inventory(pol, seed) {
		if host, _, ok := strings.Cut(row.Image, "/"); ok && strings.ContainsAny(host, ".:") {
			count[host]++
		}
	}
	if len(count) == 0 {
		return "", errors.New("sandbox: the seeded policy tracks no image on a named registry")
	}
	hosts := make([]string, 0, len(count))
	for h := range count {
		hosts = append(hosts, h)
	}
	sort.Slice(hosts, func(i, j int) bool {
		if count[hosts[i]] != count[hosts[j]] {
			return count[hosts[i]] > count[hosts[j]]
		}
		return hosts[i] < hosts[j]
	})
	return hosts[0], nil
}

// seedPolicy reads the policy of a seed, apps found from the layout included.
func seedPolicy(seed fs.FS) (*policy.Policy, error) {
	data, err := fs.ReadFile(seed, policy.FileName)
	if err != nil {
		return nil, fmt.Errorf("sandbox: the seed has no policy: %w", err)
	}
	pol, err := policy.Parse(policy.FileName, data)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	if err := pol.Discover(seed); err != nil {
		return nil, fmt.Errorf("sandbox: discover apps: %w", err)
	}
	return pol, nil
}
