package grouped // want package:"concurrent\\(g.Go starts a goroutine at .*\\)"

import "net/http"

// Group is like errgroup.Group, without a go statement of its own here.
type Group struct{ run func(func() error) }

func (g *Group) Go(f func() error) { g.run(f) }

func GetAll(hc *http.Client, urls []string) {
	var g Group
	for _, u := range urls {
		g.Go(func() error { _, err := hc.Get(u); return err })
	}
}
