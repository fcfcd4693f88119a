package books

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

var schema = []string{
	`CREATE TABLE IF NOT EXISTS categories (
		id BIGINT AUTO_INCREMENT PRIMARY KEY,
		name VARCHAR(100) NOT NULL UNIQUE
	) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
	`CREATE TABLE IF NOT EXISTS books (
		id BIGINT AUTO_INCREMENT PRIMARY KEY,
		title VARCHAR(255) NOT NULL,
		author VARCHAR(255) NOT NULL,
		category_id BIGINT NOT NULL,
		price_cents BIGINT NOT NULL,
		published INT NOT NULL,
		stock INT NOT NULL DEFAULT 0,
		updated_at DATETIME(6) NOT NULL,
		KEY books_category (category_id),
		KEY books_author (author),
		CONSTRAINT books_category_fk FOREIGN KEY (category_id) REFERENCES categories (id)
	) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
}

// Seed sizes: a few dozen categories, a few thousand books.
const (
	SeedCategories = 36
	SeedBooks      = 3000
)

// EnsureSchema creates the tables when the books table is missing, and then
// fills them with seed data. It reports whether it did.
func EnsureSchema(ctx context.Context, db *sql.DB) (created bool, err error) {
	var n int
	err = db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'books'").Scan(&n)
	if err != nil {
		return false, fmt.Errorf("checking the schema: %w", err)
	}
	if n > 0 {
		return false, nil
	}
	for _, stmt := range schema {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return false, fmt.Errorf("creating the schema: %w", err)
		}
	}
	if err := seed(ctx, db); err != nil {
		return false, fmt.Errorf("seeding: %w", err)
	}
	return true, nil
}

var (
	genres  = []string{"Fantasy", "Science Fiction", "Mystery", "Thriller", "Romance", "Horror", "History", "Biography", "Poetry", "Drama", "Travel", "Cooking", "Art", "Music", "Philosophy", "Religion", "Science", "Mathematics", "Computing", "Economics", "Politics", "Law", "Medicine", "Psychology", "Education", "Sports", "Nature", "Children", "Young Adult", "Comics", "Classics", "Essays", "Humor", "Crime", "Adventure", "Westerns"}
	words   = []string{"Shadow", "River", "Crown", "Winter", "Glass", "Silent", "Iron", "Garden", "Storm", "Letter", "Night", "Harbor", "Empire", "Memory", "Stone", "Light", "Forest", "Map", "Fire", "Secret", "Island", "Dream", "Road", "Tide", "Clock", "Mirror", "Song", "Ash", "Star", "House"}
	firsts  = []string{"Ada", "Boris", "Clara", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kira", "Luca", "Mina", "Nils", "Olga", "Pablo", "Quinn", "Rosa", "Sven", "Tara"}
	seconds = []string{"Abbott", "Berg", "Castillo", "Dubois", "Eriksen", "Fontaine", "Garcia", "Hughes", "Ivanova", "Jensen", "Kowalski", "Lindqvist", "Moreau", "Novak", "Okafor", "Petrov", "Quiroga", "Rossi", "Sato", "Tanaka"}
)

// seed inserts the seed categories and books, the same on every run.
func seed(ctx context.Context, db *sql.DB) error {
	if len(genres) != SeedCategories {
		return fmt.Errorf("seed has %d genres, want %d", len(genres), SeedCategories)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, g := range genres {
		if _, err := tx.ExecContext(ctx, "INSERT INTO categories (name) VALUES (?)", g); err != nil {
			return err
		}
	}
	var firstID int64
	if err := tx.QueryRowContext(ctx, "SELECT MIN(id) FROM categories").Scan(&firstID); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	const batch = 500
	for start := 0; start < SeedBooks; start += batch {
		var rows []string
		var args []any
		for i := start; i < min(start+batch, SeedBooks); i++ {
			title := "The " + words[rng.IntN(len(words))] + " of " + words[rng.IntN(len(words))]
			if rng.IntN(3) == 0 {
				title += " " + []string{"II", "III", "Returns", "Reborn"}[rng.IntN(4)]
			}
			author := firsts[rng.IntN(len(firsts))] + " " + seconds[rng.IntN(len(seconds))]
			rows = append(rows, "(?, ?, ?, ?, ?, ?, ?)")
			args = append(args, title, author, firstID+int64(rng.IntN(SeedCategories)),
				int64(499+rng.IntN(4500)), 1900+rng.IntN(125), rng.IntN(50), at.Add(time.Duration(i)*time.Minute))
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO books (title, author, category_id, price_cents, published, stock, updated_at) VALUES "+strings.Join(rows, ", "), args...); err != nil {
			return err
		}
	}
	return tx.Commit()
}
