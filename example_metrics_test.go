package wauser_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/store/sqlite"
)

// Prometheus metrics of a Client, served at /metrics as examples/server
// does. Accounts by state are read from the store at each scrape.
func ExampleWithMetrics() {
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	c, err := wauser.Open(ctx, sqlite.File(":memory:"), wauser.WithMetrics(reg))
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if _, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "sales"}); err != nil {
		panic(err)
	}

	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	families, _ := reg.Gather()
	for _, f := range families {
		if f.GetName() != "wauser_accounts" {
			continue
		}
		for _, m := range f.GetMetric() {
			if v := m.GetGauge().GetValue(); v > 0 {
				fmt.Printf("%s{state=%q} %v\n", f.GetName(), m.GetLabel()[0].GetValue(), v)
			}
		}
	}
	fmt.Println(resp.StatusCode)
	// Output:
	// wauser_accounts{state="unpaired"} 1
	// 200
}
