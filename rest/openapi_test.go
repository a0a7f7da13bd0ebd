package rest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/rest"
)

func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testdb.SQLite(t), rest.Options{})
	r := e.checked(e.do("GET", "/openapi.json", nil, nil))
	require.Equal(t, http.StatusOK, r.status)
	requireRateHeaders(t, r)

	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(r.body)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()), "valid OpenAPI")
	require.Equal(t, "3.1.0", doc.OpenAPI)
	require.True(t, doc.IsOpenAPI31OrLater())

	// Every documented route is served (the route table builds both), and
	// answers only documented statuses (checked above by e.checked).
	routes := documentedRoutes(t, r.body)
	for _, rt := range routes {
		_, ok := sampleFor(rt)
		require.True(t, ok, "%s has a sample request", rt.id)
		resp := e.checked(e.do(rt.method, pathParam.ReplaceAllString(rt.path, "x"), nil, nil))
		require.NotContains(t, []int{http.StatusNotFound, http.StatusMethodNotAllowed}, resp.status, "%s %s", rt.method, rt.path)
		op := doc.Paths.Find(rt.path).GetOperation(rt.method)
		require.NotNil(t, op)
		require.NotEmpty(t, op.Summary, rt.id)
		for _, code := range []string{"429", "500", "503"} {
			require.NotNil(t, op.Responses.Value(code), "%s documents %s", rt.id, code)
		}
		if rt.auth != "none" {
			require.NotNil(t, op.Responses.Value("401"), "%s documents 401", rt.id)
		}
	}
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// syncExtensions are the sync dialect's routes beyond whatsapp-use.openapi.yaml.
var syncExtensions = []string{"listWhatsAppGroups", "getWhatsAppCommand"}

// TestSyncRoutesMatchWhatsAppUse: every sync route we serve is an operation
// of whatsapp-use.openapi.yaml with the same method, path and operation id,
// but for the documented extensions, which are not.
func TestSyncRoutesMatchWhatsAppUse(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testdb.SQLite(t), rest.Options{})
	raw, err := os.ReadFile(whatsappUseSpec)
	require.NoError(t, err)
	spec, err := openapi3.NewLoader().LoadFromData(raw)
	require.NoError(t, err)
	served := map[string]bool{}
	for _, rt := range documentedRoutes(t, e.do("GET", "/openapi.json", nil, nil).body) {
		if rt.dialect != "sync" || rt.path == "/openapi.json" {
			continue
		}
		if slices.Contains(syncExtensions, rt.id) {
			if item := spec.Paths.Find(rt.path); item != nil {
				require.Nil(t, item.GetOperation(rt.method), "%s is no extension", rt.id)
			}
			continue
		}
		item := spec.Paths.Find(rt.path)
		require.NotNil(t, item, "%s is a whatsapp-use path", rt.path)
		op := item.GetOperation(rt.method)
		require.NotNil(t, op, "%s %s is a whatsapp-use operation", rt.method, rt.path)
		require.Equal(t, op.OperationID, rt.id)
		served[op.OperationID] = true
	}
	var missing []string
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			if !served[op.OperationID] {
				missing = append(missing, method+" "+path)
			}
		}
	}
	require.Empty(t, missing, "every whatsapp-use operation is served")
}

func TestOpenAPIDocumentFollowsOptions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testdb.SQLite(t), rest.Options{RequestsPerMinute: -1})
	var doc map[string]any
	require.NoError(t, json.Unmarshal(e.do("GET", "/openapi.json", nil, nil).body, &doc))
	headers := doc["components"].(map[string]any)["headers"].(map[string]any)
	require.NotContains(t, headers, "X-RateLimit-Limit", "no rate limit, no headers promised")
}

// TestOpenAPIDescriptionNamesEveryDialect: the document's description
// counts and names the dialects its routes are in, as the package
// documentation does.
func TestOpenAPIDescriptionNamesEveryDialect(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testdb.SQLite(t), rest.Options{})
	body := e.do("GET", "/openapi.json", nil, nil).body
	var doc struct {
		Info struct {
			Description string `json:"description"`
		} `json:"info"`
	}
	require.NoError(t, json.Unmarshal(body, &doc))
	dialects := map[string]bool{}
	for _, rt := range documentedRoutes(t, body) {
		dialects[rt.dialect] = true
	}
	count := []string{"", "one", "two", "three", "four", "five", "six", "seven"}[len(dialects)]
	require.Contains(t, doc.Info.Description, "in "+count+" dialects:")
	require.Contains(t, readPackageDoc(t), "one http.Handler, "+count+"\n// dialects", "rest's package documentation counts the same")
	for d := range dialects {
		require.Contains(t, doc.Info.Description, " "+d+" (", "the description names the %s dialect", d)
	}
}
