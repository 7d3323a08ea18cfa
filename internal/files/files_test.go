package files_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/files"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

func TestPutGetDelete(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
		a, err := files.Put(ctx, db, "ticket:1", "../../etc/notes.txt", strings.NewReader("hello"), 10, now)
		if err != nil {
			t.Fatal(err)
		}
		if a.Name != "notes.txt" || a.Size != 5 || !strings.HasPrefix(a.ContentType, "text/plain") {
			t.Fatalf("stored %+v", a)
		}
		b, err := files.Put(ctx, db, "ticket:2", "copy.txt", strings.NewReader("hello"), 10, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := files.Put(ctx, db, "ticket:1", "big.bin", strings.NewReader("hello world"), 10, now); !errors.As(err, new(*files.Error)) {
			t.Fatalf("over the limit: %v", err)
		}
		if _, err := files.Put(ctx, db, "ticket:1", "page.html", strings.NewReader("<html><script>x</script></html>"), 100, now); err != nil {
			t.Fatal(err)
		} else if got, _ := files.ByOwner(ctx, db, "ticket:1"); len(got) != 2 || got[1].ContentType != "text/plain; charset=utf-8" {
			t.Fatalf("html must not be served as html: %+v", got)
		}
		if n, err := files.DeleteOwner(ctx, db, "ticket:1"); err != nil || n != 2 {
			t.Fatalf("delete = %d, %v", n, err)
		}
		if _, _, err := files.Get(ctx, db, a.ID); !errors.Is(err, files.ErrNotFound) {
			t.Fatalf("deleted file: %v", err)
		}
		_, data, err := files.Get(ctx, db, b.ID)
		if err != nil || string(data) != "hello" {
			t.Fatalf("shared contents must stay for the other owner: %q %v", data, err)
		}
	}, files.Schema)
}
