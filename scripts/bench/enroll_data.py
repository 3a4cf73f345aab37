"""Lays out faces-dev as an enrollment batch: one synthetic resident ID per person folder, the
units and persons CSVs to import, and batch.csv (person_id,photo_path)."""
import argparse
import os

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"


def resident_id(n):
    body = "370202194003%02d%03d" % (1 + n // 900, n % 900 + 100)
    return body + CHECK[sum(int(d) * w for d, w in zip(body, WEIGHTS)) % 11]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    people = sorted(d for d in os.listdir(args.root) if os.path.isdir(os.path.join(args.root, d)))
    with open(os.path.join(args.out, "units.csv"), "w") as f:
        f.write("code,name,level,parent_code\n3702,Qingdao,city,\n370202,Shinan,district,3702\n"
                "370202001,Badaguan Street,street,370202\n370202001001,Taiping Community,community,370202001\n")
    with open(os.path.join(args.out, "persons.csv"), "w") as persons, open(os.path.join(args.out, "batch.csv"), "w") as batch:
        persons.write("resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile\n")
        batch.write("person_id,photo_path\n")
        for n, person in enumerate(people):
            rid = resident_id(n)
            persons.write(f"{rid},P{n},1940-03-{1 + n // 900:02d},370202001001,3,3000,,,0,0\n")
            folder = os.path.join(args.root, person)
            for photo in sorted(os.listdir(folder)):
                if photo.lower().endswith((".jpg", ".jpeg", ".png")):
                    batch.write(f"{rid},{os.path.join(folder, photo)}\n")


if __name__ == "__main__":
    main()
