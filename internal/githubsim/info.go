package githubsim

// Info describes a running simulator to another process: what `stagehand githubsim`
// writes to its info file and `stagehand serve` needs to connect as the App.
type Info struct {
	APIURL         string            `json:"api_url"`
	AppID          int64             `json:"app_id"`
	PrivateKeyFile string            `json:"private_key_file,omitempty"`
	InstallationID int64             `json:"installation_id"`
	Repo           string            `json:"repo"`
	Tokens         map[string]string `json:"tokens"`
}

// Info returns the connection facts for repo, with a token for each named user
// (users are created if needed). PrivateKeyFile is left for the caller to fill in.
func (s *Sim) Info(repo string, users ...string) Info {
	tokens := map[string]string{}
	for _, u := range users {
		tokens[u] = s.AddUser(u)
	}
	return Info{APIURL: s.APIURL(), AppID: s.opts.AppID, InstallationID: s.opts.InstallationID, Repo: repo, Tokens: tokens}
}
