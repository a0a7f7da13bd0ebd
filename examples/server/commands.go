package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/rest"
)

// keysCreate prints a new API key with every scope for every account: the
// way back in when the keys were lost, without touching anything else. It
// works while the server runs (it reads the same database).
func keysCreate(ctx context.Context, cfg *config, stdout io.Writer) error {
	c, err := wauser.Open(ctx, database(cfg.db))
	if err != nil {
		return err
	}
	defer c.Close()
	k, err := c.CreateAPIKey(ctx, wauser.CreateAPIKeyRequest{
		Name:        "created by keys create, " + time.Now().UTC().Format("2006-01-02 15:04 MST"),
		Scopes:      wauser.AllScopes(),
		AllAccounts: true,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nNew API key %s (every scope, every account; shown once: only its hash is kept):\n\n    %s\n\n"+
		"Send it as Authorization: Bearer <key>. Revoke keys you no longer use in the console (/pair#keys).\n\n", k.ID, k.Key)
	return nil
}

// adminReset writes a new admin password's hash to the admin file and
// prints the password once. The server reads the file when it starts:
// restart it to use the new password.
func adminReset(cfg *config, stdout io.Writer) error {
	user, password := "admin", rest.GenerateSecret()
	if err := writeAdminFile(cfg.adminFile, user, rest.HashAdminPassword(password)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nNew admin credentials (shown once; only a hash is kept in %s):\n\n    user:     %s\n    password: %s\n\n"+
		"Restart the server to use them; the old password no longer works after that.\n\n", cfg.adminFile, user, password)
	return nil
}

// writeAdminFile replaces the admin file with user and hash, readable by
// its owner only.
func writeAdminFile(file, user, hash string) error {
	tmp := file + ".new"
	if err := os.WriteFile(tmp, []byte(user+":"+hash+"\n"), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}
