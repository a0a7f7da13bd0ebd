package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/bits"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"

	"github.com/wauser/wauser/internal/sqldialect"
)

// The ingestion path writes thousands of rows per transaction. Formatting
// them inline into one huge statement (what bun's bulk insert does) makes
// the database parse every value; instead the rows go through one prepared,
// parameterised multi-row upsert per transaction and chunk size, executed
// with bound values. The statement text and the stored formats come from
// bun's table metadata and match what bun itself writes (times as bun's UTC
// text on SQLite, time values on PostgreSQL; slices and maps as JSON), so
// bun reads the rows back unchanged.
//
// On SQLite, columns whose value is the same in every row of a write are
// bound once per statement (see statement). On PostgreSQL the rows go as
// one array per column, and new rows inside a Store transaction with COPY.
// Encode ahead (Encoded) to do the database-free part elsewhere.

// upsertChunk is how many rows one execution of the statement carries.
const upsertChunk = 100

// upsertWriter writes rows of one model in one transaction.
type upsertWriter struct {
	table  *schema.Table
	fields []*schema.Field
	key    string
	ignore bool // ON CONFLICT (key) DO NOTHING: rows already stored stay as they are
	arrays bool // sqldialect.BulkArrays (PostgreSQL); else BulkValues (SQLite)
}

func newUpsertWriter(d sqldialect.Dialect, db bun.IDB, typ reflect.Type, key string) *upsertWriter {
	t := db.Dialect().Tables().Get(typ)
	return &upsertWriter{table: t, fields: t.Fields, key: key, arrays: d.BulkWrite() == sqldialect.BulkArrays}
}

// statement returns the SQL text of a SQLite upsert of n rows. The
// columns in shared (a bit per field) take one value for every row, bound
// once after the rows' values:
//
//	INSERT INTO t (a, b, c) SELECT v.column1, k.c, v.column2
//	FROM (VALUES (?, ?), (?, ?)) AS v, (SELECT ? AS c) AS k
//
// Parameters stay plain "?": numbered ones cost the driver a linear
// search each.
func (w *upsertWriter) statement(n int, shared uint64) string {
	var b strings.Builder
	w.columns(&b)
	perRow := len(w.fields)
	if shared != 0 {
		perRow -= bits.OnesCount64(shared)
		b.WriteString("SELECT ")
		col := 0
		for i, f := range w.fields {
			if i > 0 {
				b.WriteString(", ")
			}
			if shared&(1<<i) != 0 {
				b.WriteString("k.")
				b.WriteString(string(f.SQLName))
			} else {
				col++
				b.WriteString("v.column")
				b.WriteString(strconv.Itoa(col))
			}
		}
		b.WriteString(" FROM (")
	}
	b.WriteString("VALUES ")
	for r := range n {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for i := range perRow {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('?')
		}
		b.WriteByte(')')
	}
	if shared != 0 {
		b.WriteString(") AS v, (SELECT ")
		first := true
		for i, f := range w.fields {
			if shared&(1<<i) == 0 {
				continue
			}
			if !first {
				b.WriteString(", ")
			}
			first = false
			b.WriteString("? AS ")
			b.WriteString(string(f.SQLName))
		}
		b.WriteString(") AS k")
		if w.key != "" {
			b.WriteString(" WHERE true") // an upsert after a SELECT needs it
		}
	}
	b.WriteByte(' ')
	w.onConflict(&b)
	return b.String()
}

// shared returns, as a bit set, the columns whose value is the same in all
// n rows of args (row-major). History batches share about half their
// columns (account, type, empty fields, times of the transaction); bound
// once per statement, that halves the values database/sql converts and
// SQLite copies.
func (w *upsertWriter) shared(args []any, n int) uint64 {
	f := len(w.fields)
	if n < 2 || f > 64 {
		return 0
	}
	var shared uint64
	for j := range f {
		v := args[j]
		same := true
		for r := 1; r < n && same; r++ {
			same = args[r*f+j] == v
		}
		if same {
			shared |= 1 << j
		}
	}
	if shared == 1<<f-1 {
		return 0 // identical rows: nothing would be left per row
	}
	return shared
}

// share returns the arguments of statement(n, shared) for n rows of args
// (row-major): the others row by row, then the shared values once.
func (w *upsertWriter) share(args []any, n int, shared uint64) []any {
	if shared == 0 {
		return args
	}
	f := len(w.fields)
	out := make([]any, 0, len(args))
	for r := range n {
		for j := range f {
			if shared&(1<<j) == 0 {
				out = append(out, args[r*f+j])
			}
		}
	}
	for j := range f {
		if shared&(1<<j) != 0 {
			out = append(out, args[j])
		}
	}
	return out
}

// onConflict writes the clause that turns an insert into an upsert: every
// column but the key and created_at takes the new value.
func (w *upsertWriter) onConflict(b *strings.Builder) {
	if w.key == "" {
		return // a plain insert of rows known to be new
	}
	b.WriteString("ON CONFLICT (")
	b.WriteString(w.key)
	if w.ignore {
		b.WriteString(") DO NOTHING")
		return
	}
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

// args appends the bound values of one row (addressable). It reads the
// fields by kind rather than through Interface, which would copy every
// string to the heap before it is boxed.
func (w *upsertWriter) args(args []any, row reflect.Value) ([]any, error) {
	for _, f := range w.fields {
		v := f.Value(row)
		switch v.Kind() {
		case reflect.String:
			args = append(args, v.String())
			continue
		case reflect.Bool:
			args = append(args, v.Bool())
			continue
		case reflect.Int, reflect.Int64:
			args = append(args, v.Int())
			continue
		case reflect.Struct:
			x, ok := v.Addr().Interface().(*time.Time)
			if !ok {
				break
			}
			switch {
			case x.IsZero() && f.NullZero:
				args = append(args, nil)
			case w.arrays:
				args = append(args, x.UTC())
			default:
				args = append(args, string(x.UTC().AppendFormat(make([]byte, 0, 32), "2006-01-02 15:04:05.999999-07:00")))
			}
			continue
		case reflect.Slice, reflect.Map:
			if !v.IsNil() && v.Len() == 0 {
				if v.Kind() == reflect.Map {
					args = append(args, "{}")
				} else {
					args = append(args, "[]")
				}
				continue
			}
			b, err := json.Marshal(v.Interface())
			if err != nil {
				return nil, fmt.Errorf("store: encode %s: %w", f.Name, err)
			}
			args = append(args, string(b))
			continue
		}
		return nil, fmt.Errorf("store: column %s of type %s has no upsert encoding", f.Name, v.Type())
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

// Encoded is rows of one model encoded for an upsert: all of the write
// that needs no database, which a caller can do ahead of the transaction
// (on another goroutine) and then Write.
type Encoded struct {
	w      *upsertWriter
	chunks [][]any  // per statement execution: SQLite's bound values, or PostgreSQL's column arrays
	sizes  []int    // rows per chunk
	shared []uint64 // SQLite: the columns each chunk binds once (see share)
}

// encode encodes rows (pointers to one model type), in chunks.
func (w *upsertWriter) encode(rows []reflect.Value) (*Encoded, error) {
	e := &Encoded{w: w}
	if w.arrays {
		for start := 0; start < len(rows); start += pgArrayChunk {
			chunk := rows[start:min(start+pgArrayChunk, len(rows))]
			cols, err := w.columnArrays(chunk)
			if err != nil {
				return nil, err
			}
			e.chunks, e.sizes = append(e.chunks, cols), append(e.sizes, len(chunk))
		}
		return e, nil
	}
	// One set of shared columns for all chunks: one statement shape to
	// prepare per chunk size, as without sharing.
	all := make([]any, 0, len(rows)*len(w.fields))
	for _, r := range rows {
		var err error
		if all, err = w.args(all, r); err != nil {
			return nil, err
		}
	}
	shared := w.shared(all, len(rows))
	f := len(w.fields)
	for start := 0; start < len(rows); start += upsertChunk {
		n := min(upsertChunk, len(rows)-start)
		args := w.share(all[start*f:(start+n)*f], n, shared)
		e.chunks, e.sizes, e.shared = append(e.chunks, args), append(e.sizes, n), append(e.shared, shared)
	}
	return e, nil
}

// Write executes the encoded upsert in db (a bun.Tx, or the *bun.DB).
func (e *Encoded) Write(ctx context.Context, db bun.IDB) error {
	if e == nil || len(e.chunks) == 0 {
		return nil
	}
	w := e.w
	h := sqlTx(db)
	if h == nil {
		return fmt.Errorf("store: upsert needs a bun.Tx or *bun.DB, got %T", db)
	}
	if _, inTx := db.(bun.Tx); w.arrays && w.key == "" && inTx {
		if cp := sqldialect.CopierFrom(ctx); cp != nil {
			if done, err := e.copy(ctx, cp); done || err != nil {
				return err
			}
		}
	}
	type shape struct {
		n      int
		shared uint64
	}
	stmts := map[shape]*sql.Stmt{}
	defer func() {
		for _, s := range stmts {
			_ = s.Close()
		}
	}()
	for i, args := range e.chunks {
		k := shape{} // PostgreSQL: one statement, whatever the rows
		if !w.arrays {
			k = shape{e.sizes[i], e.shared[i]}
		}
		stmt := stmts[k]
		if stmt == nil {
			q := w.arrayStatement()
			if !w.arrays {
				q = w.statement(k.n, k.shared)
			}
			var err error
			if stmt, err = h.PrepareContext(ctx, q); err != nil {
				return fmt.Errorf("store: prepare upsert into %s: %w", w.table.SQLName, err)
			}
			stmts[k] = stmt
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

// columnArrays returns the values of rows as one array per column.
func (w *upsertWriter) columnArrays(chunk []reflect.Value) ([]any, error) {
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
	row := make([]any, 0, len(w.fields))
	for _, r := range chunk {
		var err error
		if row, err = w.args(row[:0], r); err != nil {
			return nil, err
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
	return cols, nil
}

// copy writes new rows through the bulk path of the transaction's
// dialect (PostgreSQL's COPY). It reports false, having done nothing, when
// there is none.
func (e *Encoded) copy(ctx context.Context, cp sqldialect.Copier) (bool, error) {
	names := make([]string, len(e.w.fields))
	for i, f := range e.w.fields {
		names[i] = f.Name
	}
	for i, cols := range e.chunks {
		src := &columnRows{cols: cols, n: e.sizes[i], row: make([]any, len(cols)), i: -1}
		done, err := cp.Copy(ctx, e.w.table.Name, names, src)
		if err != nil || !done {
			return done, err
		}
	}
	return true, nil
}

// columnRows is a sqldialect.Rows over column arrays.
type columnRows struct {
	cols []any
	n, i int
	row  []any
}

func (c *columnRows) Next() bool {
	c.i++
	return c.i < c.n
}

func (c *columnRows) Values() ([]any, error) {
	for j, col := range c.cols {
		switch a := col.(type) {
		case []string:
			c.row[j] = a[c.i]
		case []int64:
			c.row[j] = a[c.i]
		case []bool:
			c.row[j] = a[c.i]
		case []*time.Time:
			if a[c.i] == nil {
				c.row[j] = nil
			} else {
				c.row[j] = *a[c.i]
			}
		}
	}
	return c.row, nil
}

func (c *columnRows) Err() error { return nil }
