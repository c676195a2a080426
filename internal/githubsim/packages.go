package githubsim

import (
	"strings"
)

// PublishContainer sends the registry_package "published" webhook GitHub sends to an
// App when login pushes image:tag (digest "sha256:…") to ghcr.io from a repository.
// Owners keep their case in the payload, as on GitHub; ghcr.io image names are lower case.
func (s *Sim) PublishContainer(login, repoName, image, tag, digest string) error {
	return s.act(login, repoName, PermWrite, func(r *repo, who principal) error {
		owner := s.ownerJSON(r)
		id := s.newID()
		now := ts(s.now())
		pkgURL := "ghcr.io/" + r.owner + "/" + image + ":" + tag
		version := obj{
			"id": s.newID(), "version": digest, "name": digest, "description": "", "summary": "", "body": "",
			"manifest": "", "html_url": s.webURL() + "/" + r.owner + "/" + r.name + "/pkgs/container/" + image,
			"target_commitish": r.defaultBranch, "target_oid": r.refs["refs/heads/"+r.defaultBranch],
			"created_at": now, "updated_at": now, "metadata": []any{}, "package_files": []any{},
			"container_metadata": obj{
				"tag":      obj{"name": tag, "digest": digest},
				"labels":   obj{"description": "", "source": s.repoHTML(r), "revision": "", "image_url": s.repoHTML(r), "licenses": "", "all_labels": obj{}},
				"manifest": obj{},
			},
			"author": s.userJSON(s.actor(who)), "installation_command": "docker pull " + strings.ToLower(pkgURL),
			"package_url": strings.ToLower(pkgURL),
		}
		s.emit("registry_package", "published", r, who, obj{"registry_package": obj{
			"id": id, "name": image, "namespace": r.owner + "/" + image, "description": nil,
			"ecosystem": "CONTAINER", "package_type": "CONTAINER",
			"html_url":   s.webURL() + "/" + r.owner + "/" + r.name + "/pkgs/container/" + image,
			"created_at": now, "updated_at": now, "owner": owner, "package_version": version,
			"registry": obj{"about_url": "https://docs.github.com/packages/learn-github-packages/introduction-to-github-packages",
				"name": "GitHub CONTAINER registry", "type": "CONTAINER", "url": "https://ghcr.io/" + r.owner, "vendor": "GitHub Inc"},
		}})
		return nil
	})
}
