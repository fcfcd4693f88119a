// Package importclash declares package-level names equal to the packages a
// generated file imports (cache, time, and maps and slices, which Go 1.23
// code would import): the generated file imports them under other names. A
// type is named like the constructor's parameter, next.
package importclash

import (
	"context"
	"sync"
)

// Article is a cached value.
type Article struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
}

// cache is the user's own, unrelated to the cache package.
var cache sync.Map

// maps and slices are the names Go 1.23 code would import to sort map keys.
var maps = map[string]int{}

var slices = []int{}

// time is a package-level name too.
var time = 3

// next is a cursor, named like the generated constructor's parameter.
type next struct {
	After int64 `json:"after"`
}

//go:generate go run github.com/cachegen/cachegen/cmd/cachegen

// ArticleRepository reads articles.
type ArticleRepository interface {
	//cache:expire=300 namespace=articles
	Get(ctx context.Context, id int64) (Article, error)
	//cache:expire=1m namespace=articles
	Find(ctx context.Context, labels map[string]string) ([]Article, error)
	//cache:expire=1m namespace=articles
	Cursor(ctx context.Context) (next, error)
	//cache:invalidate namespace=articles
	Put(ctx context.Context, a Article) error
}
