package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/schema"
)

// The ingestion path writes thousands of rows per transaction. Formatting
// them inline into one huge statement (what bun's bulk insert does) makes
// the database parse every value; instead the rows go through one prepared,
// parameterised multi-row upsert per transaction and chunk size, executed
// with bound values. The statement text and the stored formats come from
// bun's table metadata and match what bun itself writes (times as bun's UTC
// text on SQLite, time values on PostgreSQL; slices and maps as JSON), so
// bun reads the rows back unchanged.

// upsertChunk is how many rows one execution of the statement carries.
const upsertChunk = 100

// upsertWriter writes rows of one model in one transaction.
type upsertWriter struct {
	table  *schema.Table
	fields []*schema.Field
	key    string
	pg     bool
}

func newUpsertWriter(db bun.IDB, typ reflect.Type, key string) *upsertWriter {
	t := db.Dialect().Tables().Get(typ)
	return &upsertWriter{table: t, fields: t.Fields, key: key, pg: db.Dialect().Name() == dialect.PG}
}

// statement returns the SQL text of an upsert of n rows.
func (w *upsertWriter) statement(n int) string {
	var b strings.Builder
	w.columns(&b)
	b.WriteString("VALUES ")
	param := 0
	for r := range n {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for i := range w.fields {
			if i > 0 {
				b.WriteString(", ")
			}
			param++
			if w.pg {
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(param))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	b.WriteByte(' ')
	w.onConflict(&b)
	return b.String()
}

// onConflict writes the clause that turns an insert into an upsert: every
// column but the key and created_at takes the new value.
func (w *upsertWriter) onConflict(b *strings.Builder) {
	if w.key == "" {
		return // a plain insert of rows known to be new
	}
	b.WriteString("ON CONFLICT (")
	b.WriteString(w.key)
	b.WriteString(") DO UPDATE SET ")
	first := true
	for _, f := range w.fields {
		if f.IsPK || f.Name == "created_at" {
			continue
		}
		if !first {
			b.WriteString(", ")
		}
		first = false
		b.WriteString(string(f.SQLName))
		b.WriteString(" = excluded.")
		b.WriteString(string(f.SQLName))
	}
}

// columns writes "INSERT INTO table (col, ...) ".
func (w *upsertWriter) columns(b *strings.Builder) {
	b.WriteString("INSERT INTO ")
	b.WriteString(string(w.table.SQLName))
	b.WriteString(" (")
	for i, f := range w.fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(f.SQLName))
	}
	b.WriteString(") ")
}

// args appends the bound values of one row.
func (w *upsertWriter) args(args []any, row reflect.Value) ([]any, error) {
	for _, f := range w.fields {
		v := f.Value(row)
		switch x := v.Interface().(type) {
		case string:
			args = append(args, x)
		case bool:
			args = append(args, x)
		case int:
			args = append(args, int64(x))
		case int64:
			args = append(args, x)
		case time.Time:
			switch {
			case x.IsZero() && f.NullZero:
				args = append(args, nil)
			case w.pg:
				args = append(args, x.UTC())
			default:
				args = append(args, string(x.UTC().AppendFormat(make([]byte, 0, 32), "2006-01-02 15:04:05.999999-07:00")))
			}
		default:
			switch v.Kind() {
			case reflect.Slice, reflect.Map:
				if !v.IsNil() && v.Len() == 0 {
					if v.Kind() == reflect.Map {
						args = append(args, "{}")
					} else {
						args = append(args, "[]")
					}
					continue
				}
				b, err := json.Marshal(x)
				if err != nil {
					return nil, fmt.Errorf("store: encode %s: %w", f.Name, err)
				}
				args = append(args, string(b))
			default:
				return nil, fmt.Errorf("store: column %s of type %s has no upsert encoding", f.Name, v.Type())
			}
		}
	}
	return args, nil
}

// sqlTx returns the database/sql handle under a bun.IDB.
func sqlTx(db bun.IDB) interface {
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
} {
	switch d := db.(type) {
	case bun.Tx:
		return d.Tx
	case *bun.Tx:
		return d.Tx
	case *bun.DB:
		return d.DB
	}
	return nil
}

// write upserts rows (pointers to one model type), in chunks.
func (w *upsertWriter) write(ctx context.Context, db bun.IDB, rows []reflect.Value) error {
	if len(rows) == 0 {
		return nil
	}
	h := sqlTx(db)
	if h == nil {
		return fmt.Errorf("store: upsert needs a bun.Tx or *bun.DB, got %T", db)
	}
	if w.pg {
		return w.writeArrays(ctx, h, rows)
	}
	stmts := map[int]*sql.Stmt{}
	defer func() {
		for _, s := range stmts {
			_ = s.Close()
		}
	}()
	args := make([]any, 0, upsertChunk*len(w.fields))
	for start := 0; start < len(rows); start += upsertChunk {
		chunk := rows[start:min(start+upsertChunk, len(rows))]
		stmt := stmts[len(chunk)]
		if stmt == nil {
			var err error
			if stmt, err = h.PrepareContext(ctx, w.statement(len(chunk))); err != nil {
				return fmt.Errorf("store: prepare upsert into %s: %w", w.table.SQLName, err)
			}
			stmts[len(chunk)] = stmt
		}
		args = args[:0]
		for _, r := range chunk {
			var err error
			if args, err = w.args(args, r); err != nil {
				return err
			}
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("store: upsert into %s: %w", w.table.SQLName, err)
		}
	}
	return nil
}

// PostgreSQL takes the rows as one array per column and unnests them: one
// statement of a fixed, small number of parameters whatever the row count,
// planned once per transaction, instead of thousands of scalar parameters.

// pgArrayType returns the array type of a column for unnest.
func pgArrayType(f *schema.Field) string {
	switch f.IndirectType.Kind() {
	case reflect.Bool:
		return "boolean[]"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "bigint[]"
	case reflect.Struct: // time.Time
		return "timestamptz[]"
	}
	return "text[]"
}

func (w *upsertWriter) arrayStatement() string {
	var b strings.Builder
	w.columns(&b)
	b.WriteString("SELECT * FROM unnest(")
	for i, f := range w.fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(i + 1))
		b.WriteString("::")
		b.WriteString(pgArrayType(f))
	}
	b.WriteString(") ")
	w.onConflict(&b)
	return b.String()
}

// pgArrayChunk bounds the rows of one array statement.
const pgArrayChunk = 5000

func (w *upsertWriter) writeArrays(ctx context.Context, h interface {
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}, rows []reflect.Value) error {
	stmt, err := h.PrepareContext(ctx, w.arrayStatement())
	if err != nil {
		return fmt.Errorf("store: prepare upsert into %s: %w", w.table.SQLName, err)
	}
	defer stmt.Close()
	row := make([]any, 0, len(w.fields))
	for start := 0; start < len(rows); start += pgArrayChunk {
		chunk := rows[start:min(start+pgArrayChunk, len(rows))]
		cols := make([]any, len(w.fields))
		for i, f := range w.fields {
			switch pgArrayType(f) {
			case "boolean[]":
				cols[i] = make([]bool, 0, len(chunk))
			case "bigint[]":
				cols[i] = make([]int64, 0, len(chunk))
			case "timestamptz[]":
				cols[i] = make([]*time.Time, 0, len(chunk))
			default:
				cols[i] = make([]string, 0, len(chunk))
			}
		}
		for _, r := range chunk {
			row = row[:0]
			if row, err = w.args(row, r); err != nil {
				return err
			}
			for i, v := range row {
				switch c := cols[i].(type) {
				case []bool:
					cols[i] = append(c, v.(bool))
				case []int64:
					cols[i] = append(c, v.(int64))
				case []*time.Time:
					if v == nil {
						cols[i] = append(c, nil)
					} else {
						t := v.(time.Time)
						cols[i] = append(c, &t)
					}
				case []string:
					cols[i] = append(c, v.(string))
				}
			}
		}
		if _, err := stmt.ExecContext(ctx, cols...); err != nil {
			return fmt.Errorf("store: upsert into %s: %w", w.table.SQLName, err)
		}
	}
	return nil
}
