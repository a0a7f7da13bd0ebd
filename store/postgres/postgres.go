// Package postgres opens a wauser store on PostgreSQL through pgx v5's
// database/sql driver.
package postgres

import (
	"context"
	"database/sql"
	"fmt"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/wauser/wauser/store"
)

// Open connects to the PostgreSQL database at dsn (a postgres:// URL or a
// key=value string) and migrates it.
func Open(ctx context.Context, dsn string, opts ...store.Option) (*store.Store, error) {
	sqldb, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if err := sqldb.PingContext(ctx); err != nil {
		_ = sqldb.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	st := store.New(bun.NewDB(sqldb, pgdialect.New()), opts...)
	if err := st.Migrate(ctx); err != nil {
		_ = sqldb.Close()
		return nil, err
	}
	return st, nil
}
