package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	"github.com/payrun/payrun/pkg/console"
	"github.com/payrun/payrun/pkg/queue"
)

// A console over an embedded JetStream server with two users: ann uploads, bob approves.
func ExampleNew() {
	srv, err := queue.StartEmbedded(queue.EmbeddedOptions{Port: -1})
	if err != nil {
		panic(err)
	}
	defer srv.Shutdown()
	ctx := context.Background()
	nc, err := queue.Connect(ctx, queue.ConnectOptions{URL: srv.ClientURL()})
	if err != nil {
		panic(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	handles, err := queue.Provision(ctx, js, queue.DefaultNames(), queue.DefaultSettings())
	if err != nil {
		panic(err)
	}
	hash, _ := bcrypt.GenerateFromPassword([]byte("a long password"), bcrypt.MinCost)
	c, err := console.New(ctx, js, handles, console.Options{
		Approvals: true,
		Users: []console.User{
			{Name: "ann", Roles: []string{console.RoleSubmitter}, Hash: string(hash)},
			{Name: "bob", Roles: []string{console.RoleApprover}, Hash: string(hash)},
		},
		Audit: zerolog.Nop(),
	})
	if err != nil {
		panic(err)
	}
	web := httptest.NewServer(c) // or console.Serve(ctx, "127.0.0.1:8080", c, nil)
	defer web.Close()
	resp, err := http.Get(web.URL + "/login")
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("X-Frame-Options"))
	// Output: 200 DENY
}
