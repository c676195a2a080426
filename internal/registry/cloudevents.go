package registry

import (
	"encoding/json"
	"mime"
	"net/http"
	"time"
)

// cloudEvent is a CloudEvents 1.0 event in either content mode.
type cloudEvent struct {
	SpecVersion string          `json:"specversion"`
	Type        string          `json:"type"`
	Source      string          `json:"source"`
	Subject     string          `json:"subject"`
	Time        time.Time       `json:"time"`
	Data        json.RawMessage `json:"data"`
	DataBase64  []byte          `json:"data_base64"`
}

// CloudEvent types Stagehand understands. Any other type yields no event.
const (
	// CloudEventECRPush is an AWS ECR push forwarded by an EventBridge API
	// destination with an input transformer (the convention Argo CD Image
	// Updater documents).
	CloudEventECRPush = "com.amazon.ecr.image.push"
	// CloudEventACRPush is an Azure Container Registry push delivered by
	// Event Grid with the CloudEvents 1.0 schema.
	CloudEventACRPush = "Microsoft.ContainerRegistry.ImagePushed"
	// CloudEventHarborPush is Harbor's CloudEvents payload format.
	CloudEventHarborPush = harborPushCloudEvents
)

// decodeCloudEvent reads the request as CloudEvents: binary content mode when
// a ce-specversion header is present, structured (or batched) mode when the
// media type says so or the JSON object carries "specversion". ok is false
// when the request is not a CloudEvent at all.
func decodeCloudEvent(source string, header http.Header, body []byte) (events []cloudEvent, ok bool, err error) {
	if v := header.Get("Ce-Specversion"); v != "" {
		ce := cloudEvent{SpecVersion: v, Type: header.Get("Ce-Type"), Source: header.Get("Ce-Source"),
			Subject: header.Get("Ce-Subject"), Data: body}
		if t := header.Get("Ce-Time"); t != "" {
			if ce.Time, err = time.Parse(time.RFC3339Nano, t); err != nil {
				return nil, true, payloadErr(source, err, "ce-time header")
			}
		}
		return checkCloudEvents(source, []cloudEvent{ce})
	}
	mediaType, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
	if mediaType == "application/cloudevents-batch+json" {
		if err := decodeJSON(source, body, &events); err != nil {
			return nil, true, err
		}
		return checkCloudEvents(source, events)
	}
	var ce cloudEvent
	if err := decodeJSON(source, body, &ce); err != nil {
		return nil, mediaType == "application/cloudevents+json", err
	}
	if ce.SpecVersion == "" && mediaType != "application/cloudevents+json" {
		return nil, false, nil
	}
	return checkCloudEvents(source, []cloudEvent{ce})
}

func checkCloudEvents(source string, events []cloudEvent) ([]cloudEvent, bool, error) {
	for i := range events {
		if events[i].SpecVersion == "" || events[i].Type == "" {
			return nil, true, payloadErr(source, nil, "CloudEvent %d lacks specversion or type", i)
		}
		if len(events[i].Data) == 0 && len(events[i].DataBase64) > 0 {
			events[i].Data = events[i].DataBase64
		}
	}
	return events, true, nil
}

// ParseCloudEvents parses CloudEvents in structured, batched or binary
// content mode, and also the plain EventBridge event that an API destination
// sends when no input transformer is set. Understood types: an ECR push
// (com.amazon.ecr.image.push, or EventBridge's "ECR Image Action"), Harbor's
// harbor.artifact.pushed and Event Grid's Microsoft.ContainerRegistry.ImagePushed.
func ParseCloudEvents(header http.Header, body []byte) ([]ImagePushed, error) {
	const source = "cloudevents"
	ces, ok, err := decodeCloudEvent(source, header, body)
	if err != nil {
		return nil, err
	}
	if !ok {
		var eb eventBridgeEvent
		if err := decodeJSON(source, body, &eb); err != nil {
			return nil, err
		}
		if eb.Source == "" || eb.DetailType == "" {
			return nil, payloadErr(source, nil, "neither a CloudEvent (specversion) nor an EventBridge event (source, detail-type)")
		}
		if eb.Source != "aws.ecr" || eb.DetailType != "ECR Image Action" || eb.Detail == nil {
			return nil, nil
		}
		return ecrEvents(source, *eb.Detail, eb.Account, eb.Region, eb.Time)
	}
	var events []ImagePushed
	for _, ce := range ces {
		evs, err := cloudEventImages(source, ce)
		if err != nil {
			return nil, err
		}
		events = append(events, evs...)
	}
	return events, nil
}

func cloudEventImages(source string, ce cloudEvent) ([]ImagePushed, error) {
	switch ce.Type {
	case CloudEventECRPush:
		return ecrCloudEvent(source, ce)
	case CloudEventHarborPush:
		return harborEvents(source, ce.Data, ce.Time)
	case CloudEventACRPush:
		var e distributionEvent
		if err := decodeJSON(source, ce.Data, &e); err != nil {
			return nil, err
		}
		return acrEvents(source, e)
	}
	return nil, nil
}
