package store

import (
	"reflect"
	"testing"
	"time"
)

// TestEqualSeesEveryColumn changes each field of a row in turn and checks
// that Equal notices, so a column added later cannot be forgotten there.
func TestEqualSeesEveryColumn(t *testing.T) {
	t.Parallel()
	ignored := map[string]bool{"BaseModel": true, "Seq": true, "CreatedAt": true, "UpdatedAt": true}
	check := func(t *testing.T, fresh func() any, equal func(a, b any) bool) {
		typ := reflect.TypeOf(fresh()).Elem()
		for i := range typ.NumField() {
			f := typ.Field(i)
			if ignored[f.Name] {
				continue
			}
			a, b := fresh(), fresh()
			if !equal(a, b) {
				t.Fatalf("%s: two fresh rows differ", typ.Name())
			}
			setNonZero(t, reflect.ValueOf(b).Elem().Field(i))
			if equal(a, b) {
				t.Errorf("%s.Equal ignores field %s", typ.Name(), f.Name)
			}
		}
	}
	check(t, func() any { return &Conversation{} }, func(a, b any) bool { return a.(*Conversation).Equal(b.(*Conversation)) })
	check(t, func() any { return &Contact{} }, func(a, b any) bool { return a.(*Contact).Equal(b.(*Contact)) })
	check(t, func() any { return &Message{} }, func(a, b any) bool { return a.(*Message).Equal(b.(*Message)) })
}

func setNonZero(t *testing.T, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(7)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.String {
			v.Set(reflect.ValueOf([]string{"x"}))
		} else {
			v.Set(reflect.ValueOf([]*Participant{{Role: "admin"}}))
		}
	case reflect.Map:
		if v.Type().Elem().Kind() == reflect.String {
			v.Set(reflect.ValueOf(map[string]string{"k": "v"}))
		} else {
			v.Set(reflect.ValueOf(map[string]int64{"k": 1}))
		}
	case reflect.Struct:
		v.Set(reflect.ValueOf(time.Unix(1700000000, 0)))
	default:
		t.Fatalf("no non-zero value for kind %s", v.Kind())
	}
}
