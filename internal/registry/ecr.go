package registry

import (
	"strings"
	"time"
)

// ecrDetail is the detail of an EventBridge "ECR Image Action" event. The
// camelCase fields are those of the input-transformer template that Argo CD
// Image Updater documents for com.amazon.ecr.image.push CloudEvents.
type ecrDetail struct {
	Result            string `json:"result"`
	ActionType        string `json:"action-type"`
	RepositoryName    string `json:"repository-name"`
	ImageDigest       string `json:"image-digest"`
	ImageTag          string `json:"image-tag"`
	ManifestMediaType string `json:"manifest-media-type"`

	RepositoryNameCamel string `json:"repositoryName"`
	ImageDigestCamel    string `json:"imageDigest"`
	ImageTagCamel       string `json:"imageTag"`
	RegistryID          string `json:"registryId"`
	Region              string `json:"region"`
}

// eventBridgeEvent is the EventBridge envelope around an AWS service event.
type eventBridgeEvent struct {
	DetailType string     `json:"detail-type"`
	Source     string     `json:"source"`
	Account    string     `json:"account"`
	Region     string     `json:"region"`
	Time       time.Time  `json:"time"`
	Detail     *ecrDetail `json:"detail"`
}

// ecrCloudEvent maps a com.amazon.ecr.image.push CloudEvent. Its data is the
// whole EventBridge event, its detail, or the camelCase template; the
// account and region come from the data or from the CloudEvent source
// ("urn:aws:ecr:<region>:<account>:repository/<name>" or the same as an ARN).
func ecrCloudEvent(source string, ce cloudEvent) ([]ImagePushed, error) {
	var eb eventBridgeEvent
	if err := decodeJSON(source, ce.Data, &eb); err != nil {
		return nil, err
	}
	at := ce.Time
	if !eb.Time.IsZero() {
		at = eb.Time
	}
	detail := eb.Detail
	if detail == nil {
		detail = new(ecrDetail)
		if err := decodeJSON(source, ce.Data, detail); err != nil {
			return nil, err
		}
	}
	account, region := eb.Account, eb.Region
	if srcRegion, srcAccount, ok := awsSource(ce.Source); ok {
		account, region = first(account, srcAccount), first(region, srcRegion)
	}
	return ecrEvents(source, *detail, account, region, at)
}

func ecrEvents(source string, d ecrDetail, account, region string, at time.Time) ([]ImagePushed, error) {
	if d.ActionType != "" && d.ActionType != "PUSH" || d.Result != "" && d.Result != "SUCCESS" {
		return nil, nil
	}
	repo := first(d.RepositoryName, d.RepositoryNameCamel)
	tag := first(d.ImageTag, d.ImageTagCamel)
	if repo == "" {
		return nil, payloadErr(source, nil, "ECR repository name is missing")
	}
	if tag == "" {
		return nil, nil // an untagged image: nothing to promote
	}
	account, region = first(d.RegistryID, account), first(d.Region, region)
	if account == "" || region == "" {
		return nil, payloadErr(source, nil, "ECR registry id (account) and region are needed to name the registry host")
	}
	return collect(source, []ImagePushed{{
		Host: ecrHost(account, region), Repository: repo, Tag: tag,
		Digest: first(d.ImageDigest, d.ImageDigestCamel), MediaType: d.ManifestMediaType, PushedAt: at.UTC(),
	}})
}

// ecrHost names a private ECR registry; China regions live under amazonaws.com.cn.
func ecrHost(account, region string) string {
	domain := "amazonaws.com"
	if strings.HasPrefix(region, "cn-") {
		domain = "amazonaws.com.cn"
	}
	return account + ".dkr.ecr." + region + "." + domain
}

// awsSource reads region and account from "urn:aws:ecr:REGION:ACCOUNT:…" or
// "arn:aws:ecr:REGION:ACCOUNT:…".
func awsSource(s string) (region, account string, ok bool) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) < 5 || (parts[0] != "urn" && parts[0] != "arn") || parts[1] != "aws" || parts[2] != "ecr" {
		return "", "", false
	}
	return parts[3], parts[4], parts[3] != "" && parts[4] != ""
}

func first(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
