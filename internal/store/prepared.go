package store

import (
	"context"
	"database/sql"
)

// prepared returns the statement of a fixed query, written with ?
// placeholders, prepared once per Store (and per connection by
// database/sql). bun formats its arguments into the SQL text, so its
// queries are parsed on every call; the hot reads of the change feed use
// these instead.
func (s *Store) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.db.DB.PrepareContext(ctx, s.dialect.Placeholders(query))
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.stmts.LoadOrStore(query, st); loaded {
		_ = st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// closeStatements closes the prepared statements.
func (s *Store) closeStatements() {
	s.stmts.Range(func(k, v any) bool {
		_ = v.(*sql.Stmt).Close()
		s.stmts.Delete(k)
		return true
	})
}
