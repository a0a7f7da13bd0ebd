package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/store/sqlite"
)

// Keep wauser's tables in a SQLite database your program already opened
// and owns: wrap it, migrate it, and hand it to wauser.New.
func ExampleNew() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "wauser-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	sqldb, err := sql.Open("sqlite", sqlite.DSN(filepath.Join(dir, "app.db")))
	if err != nil {
		panic(err)
	}
	st := sqlite.New(bun.NewDB(sqldb, sqlitedialect.New()))
	defer st.Close() // closes sqldb too
	if err := st.Migrate(ctx); err != nil {
		panic(err)
	}
	c, err := wauser.New(st)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	accounts, _ := c.ListAccounts(ctx)
	fmt.Println(len(accounts), "accounts")
	// Output: 0 accounts
}
