package postgres_test

import (
	"context"
	"database/sql"
	"os"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/store/postgres"
)

// Keep wauser's tables in a PostgreSQL database your program already
// connects to: wrap its *bun.DB, migrate, and hand it to wauser.New. Every
// process on the database may migrate at start; they take turns.
func ExampleNew() {
	ctx := context.Background()
	sqldb, err := sql.Open("pgx", os.Getenv("DATABASE_URL"))
	if err != nil {
		panic(err)
	}
	st := postgres.New(bun.NewDB(sqldb, pgdialect.New()))
	defer st.Close() // closes sqldb too
	if err := st.Migrate(ctx); err != nil {
		panic(err)
	}
	c, err := wauser.New(st)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	_ = c.Start(ctx)
}
